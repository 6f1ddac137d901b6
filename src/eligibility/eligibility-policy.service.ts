import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { BASE_POLICY_RULES, BASE_POLICY_VERSION } from './country-policy.data';
import type { CountryPolicy, MessageCategory, PolicyRule } from './country-policy';
import { EligibilityPolicyRepository, OverrideCategory, OverrideScope, PolicyOverrideRow } from './eligibility-policy.repository';

/** The policy decisions are made under: the repository's rules, then the overrides in force. */
export interface PolicyInForce {
  versionId: number;
  /** `<BASE_POLICY_VERSION>+<versionId>`: recorded with, and shown beside, every decision. */
  version: string;
  policy: CountryPolicy;
  overrides: PolicyOverrideRow[];
}

export interface NewOverride {
  scope: OverrideScope;
  country: string;
  category: OverrideCategory;
  allow: boolean;
  reason: string;
}

/**
 * The country policy in force and its versions. The base rules are data in the repository
 * (country-policy.data.ts); operators add overrides through the API (issue 11, section 3). Every
 * change of either makes a new version: a version row names the base version and the overrides it
 * includes, so a decision's version says exactly which rules made it.
 */
@Injectable()
export class EligibilityPolicyService {
  constructor(
    private readonly db: DataSource,
    private readonly policies: EligibilityPolicyRepository,
  ) {}

  /**
   * The policy in force now, creating its version row when the base rules or the overrides changed
   * since the latest one. Serialised by an advisory lock: processes starting together agree on one row.
   * In the caller's transaction when given one.
   */
  async current(tx?: EntityManager): Promise<PolicyInForce> {
    if (!tx) return this.db.transaction((t) => this.current(t));
    await this.policies.lock(tx);
    const overrides = await this.policies.overridesInForce(tx);
    const ids = overrides.map((o) => o.id);
    let version = await this.policies.latestVersion(tx);
    if (!version || version.baseVersion !== BASE_POLICY_VERSION || version.overrideIds.join(',') !== ids.join(',')) {
      version = await this.policies.insertVersion(tx, BASE_POLICY_VERSION, ids);
    }
    return {
      versionId: version.id,
      version: `${version.baseVersion}+${version.id}`,
      policy: { version: `${version.baseVersion}+${version.id}`, rules: [...BASE_POLICY_RULES, ...overrides.map(overrideRule)] },
      overrides,
    };
  }

  /** Adds an override; answers the new policy in force. */
  async addOverride(input: NewOverride, apiKeyId: string | null): Promise<{ override: PolicyOverrideRow; policy: PolicyInForce }> {
    return this.db.transaction(async (tx) => {
      await this.policies.lock(tx);
      const override = await this.policies.insertOverride(tx, { ...input, apiKeyId });
      return { override, policy: await this.current(tx) };
    });
  }

  /** Removes an override (kept for the versions that used it); 404 POLICY_OVERRIDE_NOT_FOUND when unknown or removed. */
  async removeOverride(id: string, apiKeyId: string | null): Promise<PolicyInForce> {
    if (!/^\d{1,18}$/.test(id)) throw new DomainError('POLICY_OVERRIDE_NOT_FOUND', `No override ${id}`);
    return this.db.transaction(async (tx) => {
      await this.policies.lock(tx);
      if (!(await this.policies.removeOverride(tx, id, apiKeyId))) throw new DomainError('POLICY_OVERRIDE_NOT_FOUND', `No override ${id} in force`);
      return this.current(tx);
    });
  }
}

/**
 * An override as a policy rule. It is in force from the moment it is created until it is removed,
 * whatever the date a decision is made for (so `from` is the earliest day), and it comes after the
 * base rules, so it decides where it applies.
 */
function overrideRule(o: PolicyOverrideRow): PolicyRule {
  return {
    id: `override-${o.id}`,
    scope: o.scope,
    countries: [o.country],
    categories: o.category === 'ALL' ? '*' : [o.category as MessageCategory],
    allow: o.allow,
    from: '0001-01-01',
    source: `Override ${o.id} (${o.createdAt.toISOString()}): ${o.reason}`,
  };
}
