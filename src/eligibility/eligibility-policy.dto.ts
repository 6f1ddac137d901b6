import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { COUNTRY_PATTERN, upperCountry } from '../contacts/dto/contact-fields';
import type { PolicyRule } from './country-policy';
import type { PolicyInForce } from './eligibility-policy.service';
import type { OverrideCategory, OverrideScope, PolicyOverrideRow } from './eligibility-policy.repository';

export class CreatePolicyOverrideDto {
  @ApiProperty({ enum: ['business_country', 'recipient_country'], description: "Whose country: the sender's Business Manager address, or the recipient's number" })
  @IsIn(['business_country', 'recipient_country'])
  scope: OverrideScope;

  @ApiProperty({ example: 'BR', description: 'ISO 3166-1 alpha-2 (any case)' })
  @Transform(upperCountry)
  @IsString()
  @Matches(COUNTRY_PATTERN, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  country: string;

  @ApiProperty({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE', 'ALL'], description: 'A template category, SERVICE (session messages) or ALL' })
  @IsIn(['MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE', 'ALL'])
  category: OverrideCategory;

  @ApiProperty({ description: 'true allows what the base rules refuse; false refuses' })
  @IsBoolean()
  allow: boolean;

  @ApiProperty({ example: 'Legal review 2026-11: no marketing to BR until consent texts are translated', description: 'Why: shown as the rule\'s source' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason: string;
}

export class PolicyOverrideView {
  @ApiProperty({ example: '3' }) id: string;
  @ApiProperty({ enum: ['business_country', 'recipient_country'] }) scope: OverrideScope;
  @ApiProperty({ example: 'BR' }) country: string;
  @ApiProperty({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE', 'ALL'] }) category: OverrideCategory;
  @ApiProperty() allow: boolean;
  @ApiProperty() reason: string;
  @ApiProperty() createdAt: string;
}

export class PolicyRuleView {
  @ApiProperty({ example: 'us-marketing-pause-2025-04-01' }) id: string;
  @ApiProperty({ enum: ['business_country', 'recipient_country', 'recipient_region'] }) scope: PolicyRule['scope'];
  @ApiProperty({ type: [String], nullable: true, description: "Countries; null with `regions`; ['*'] for every country" }) countries: string[] | null;
  @ApiProperty({ type: [String], nullable: true, example: null }) regions: string[] | null;
  @ApiProperty({ type: [String], description: "Categories; ['*'] for every message" }) categories: string[];
  @ApiProperty() allow: boolean;
  @ApiProperty({ example: '2025-04-01' }) from: string;
  @ApiProperty({ type: String, nullable: true }) until: string | null;
  @ApiProperty() source: string;
}

export class PolicyView {
  @ApiProperty({ example: '2025-04-01.1+4', description: 'The version in force: recorded with every decision' }) version: string;
  @ApiProperty({ example: 4 }) versionId: number;
  @ApiProperty({ type: [PolicyRuleView], description: 'Base rules then overrides; where several apply, the last decides' }) rules: PolicyRuleView[];
  @ApiProperty({ type: [PolicyOverrideView] }) overrides: PolicyOverrideView[];
}

export class PolicyOverrideCreatedView {
  @ApiProperty({ type: PolicyOverrideView }) override: PolicyOverrideView;
  @ApiProperty({ type: PolicyView }) policy: PolicyView;
}

export function overrideView(o: PolicyOverrideRow): PolicyOverrideView {
  return { id: o.id, scope: o.scope, country: o.country, category: o.category, allow: o.allow, reason: o.reason, createdAt: o.createdAt.toISOString() };
}

export function policyView(p: PolicyInForce): PolicyView {
  return {
    version: p.version,
    versionId: p.versionId,
    rules: p.policy.rules.map((r) => ({
      id: r.id,
      scope: r.scope,
      countries: r.scope === 'recipient_region' ? null : r.countries === '*' ? ['*'] : [...r.countries],
      regions: r.scope === 'recipient_region' ? [...r.regions] : null,
      categories: r.categories === '*' ? ['*'] : [...r.categories],
      allow: r.allow,
      from: r.from,
      until: r.until ?? null,
      source: r.source,
    })),
    overrides: p.overrides.map(overrideView),
  };
}
