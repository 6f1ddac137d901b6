import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { compileSessionMessage, compileTemplateBinding, type SessionMessageDefinition, type TemplateBinding } from '../rendering';
import { templateDefinition } from '../templates/template-definition';
import type { TemplateRow } from '../templates/templates.repository';
import { TemplatesService } from '../templates/templates.service';
import type { TemplateCategory } from '../whatsapp/cloud-api.types';
import { AppConfig } from '../config/app-config';
import type { Audience } from './audience';
import { businessMaySend, MessageCategory, restrictedRecipients } from './country-policy';
import { EligibilityPolicyService, PolicyInForce } from './eligibility-policy.service';
import type { CampaignMessage, DeferralReason, ExclusionReason } from './eligibility-rules';
import { DecisionCount, EligibilityQuery, EligibilityRepository } from './eligibility.repository';
import { messagingLimitPeople, type PhoneNumber } from '../phone-numbers/phone-number';
import { PhoneNumbersService } from '../phone-numbers/phone-numbers.service';

/** A campaign as eligibility reads it (campaigns own the record; this is what the rules need of it). */
export interface EligibilityCampaign {
  id: string;
  phoneNumberId: string;
  audience: Audience;
  /** What it sends. The categories used are the templates' current ones, read again here. */
  message: CampaignMessage;
  templateId: string | null;
  fallbackTemplateId: string | null;
  binding: TemplateBinding | null;
  session: SessionMessageDefinition | null;
  fallbackBinding: TemplateBinding | null;
  /** A cap below the number's throughput (messages per second), for the dry run's estimate. */
  maxMps?: number | null;
}

export type BlockerCode = 'TEMPLATE_NOT_APPROVED' | 'MARKETING_NOT_AVAILABLE' | 'BUSINESS_COUNTRY_RESTRICTED' | 'PHONE_NUMBER_NOT_REGISTERED';

/** A reason the whole campaign may not be launched (launch answers 409 with the first one's code). */
export interface Blocker {
  code: BlockerCode;
  message: string;
}

export interface DecisionCounts {
  total: number;
  eligible: number;
  excluded: Partial<Record<ExclusionReason, number>>;
  deferred: Partial<Record<DeferralReason, number>>;
}

export interface DryRun extends DecisionCounts {
  blockers: Blocker[];
  /** Up to five contacts per reason. */
  samples: Partial<Record<ExclusionReason | DeferralReason, Array<{ contactId: string; phone: string }>>>;
  /** Eligible recipients at the campaign's pace (maxMps, else the number's throughput); null without a registered number. */
  estimatedSeconds: number | null;
  policyVersion: string;
}

export interface Snapshot extends DecisionCounts {
  policyVersionId: number;
  policyVersion: string;
}

/** What every decision about a campaign reads, loaded once per blockers(), dryRun() or snapshot(). */
interface CampaignFacts {
  phoneNumberId: string;
  sender: PhoneNumber | undefined;
  main: TemplateRow | null;
  fallback: TemplateRow | null;
  policy: PolicyInForce;
}

/**
 * Who may receive a campaign (issue 11, section 3): the campaign-level blockers, the dry run and
 * the snapshot frozen at launch. The dry run and the snapshot build the same query
 * (EligibilityRepository), so they cannot disagree.
 */
@Injectable()
export class EligibilityService {
  constructor(
    private readonly config: AppConfig,
    private readonly policies: EligibilityPolicyService,
    private readonly templates: TemplatesService,
    private readonly eligibility: EligibilityRepository,
    private readonly phoneNumbers: PhoneNumbersService,
  ) {}

  /** What refuses the whole campaign now, in a fixed order: the number, the templates, the business country. */
  async blockers(campaign: EligibilityCampaign): Promise<Blocker[]> {
    return blockersOf(await this.facts(campaign));
  }

  /** The decisions the campaign would get now, grouped, with samples; writes nothing. */
  async dryRun(campaign: EligibilityCampaign): Promise<DryRun> {
    const facts = await this.facts(campaign);
    const { counts, samples } = await this.eligibility.dryRun(await this.query(campaign, facts));
    const totals = tally(counts);
    const grouped: DryRun['samples'] = {};
    for (const s of samples) (grouped[s.reason] ??= []).push({ contactId: s.contactId, phone: s.phone });
    const { sender } = facts;
    const pace = sender ? Math.min(campaign.maxMps ?? sender.throughputMps, sender.throughputMps) : null;
    return {
      ...totals,
      blockers: blockersOf(facts),
      samples: grouped,
      estimatedSeconds: pace ? Math.ceil(totals.eligible / pace) : null,
      policyVersion: facts.policy.version,
    };
  }

  /**
   * Freezes the audience into campaign_recipients with each decision, in the caller's transaction
   * (the launch's, after it won the campaign's status compare-and-set; the caller checked
   * blockers() first).
   */
  async snapshot(tx: EntityManager, campaign: EligibilityCampaign): Promise<Snapshot> {
    const facts = await this.facts(campaign, tx);
    const counts = await this.eligibility.snapshot(tx, campaign.id, facts.policy.versionId, await this.query(campaign, facts));
    return { ...tally(counts), policyVersionId: facts.policy.versionId, policyVersion: facts.policy.version };
  }

  /**
   * People the number's portfolio may still reach outside an open window now: its messaging limit
   * (people per moving 24 hours) less the unique people it reached so in the last 24 hours.
   * null: unlimited, or the limit is not known (nothing is deferred then). The dispatcher releases
   * deferred recipients by it.
   */
  async messagingBudget(phoneNumberId: string): Promise<number | null> {
    return this.budgetOf(phoneNumberId, await this.phoneNumbers.find(phoneNumberId));
  }

  /** How many contacts an audience selects, before any rule decides who may receive what (the campaign form's live count). */
  audienceSize(audience: Audience): Promise<number> {
    return this.eligibility.audienceSize(audience);
  }

  private async budgetOf(phoneNumberId: string, sender: PhoneNumber | undefined): Promise<number | null> {
    const limit = sender?.messagingLimit ? messagingLimitPeople(sender.messagingLimit) : null;
    return limit === null ? null : limit - (await this.eligibility.reachedLately(phoneNumberId, sender?.businessPortfolioId ?? null));
  }

  private async facts(campaign: EligibilityCampaign, tx?: EntityManager): Promise<CampaignFacts> {
    return {
      phoneNumberId: campaign.phoneNumberId,
      sender: await this.phoneNumbers.find(campaign.phoneNumberId),
      main: campaign.templateId ? await this.templates.get(campaign.templateId) : null,
      fallback: campaign.fallbackTemplateId ? await this.templates.get(campaign.fallbackTemplateId) : null,
      policy: await this.policies.current(tx),
    };
  }

  private async query(campaign: EligibilityCampaign, { sender, main, fallback, policy }: CampaignFacts): Promise<EligibilityQuery> {
    const now = new Date();
    const mainCategory: MessageCategory = campaign.message.kind === 'template' ? main!.category : 'SERVICE';
    const fallbackCategory: TemplateCategory | null = fallback?.category ?? null;
    const message: CampaignMessage =
      campaign.message.kind === 'template' ? { kind: 'template', category: main!.category } : { kind: 'session', scope: campaign.message.scope, fallbackCategory };
    const budget = await this.budgetOf(campaign.phoneNumberId, sender);
    return {
      phoneNumberId: campaign.phoneNumberId,
      audience: campaign.audience,
      message: {
        kind: message.kind,
        category: message.kind === 'template' ? message.category : null,
        sessionScope: message.kind === 'session' ? message.scope : null,
        fallbackCategory,
        mainRequiredPaths: campaign.message.kind === 'template' ? this.templatePaths(main!, campaign.binding) : compileSessionMessage(campaign.session!).requiredPaths,
        fallbackRequiredPaths: fallback ? this.templatePaths(fallback, campaign.fallbackBinding) : [],
      },
      restrictions: {
        main: restrictedRecipients(policy.policy, mainCategory, now),
        fallback: restrictedRecipients(policy.policy, fallbackCategory ?? 'UTILITY', now),
      },
      marketingCap: this.config.campaigns.marketingFrequencyCap,
      messagingBudget: budget,
      businessPortfolioId: sender?.businessPortfolioId ?? null,
    };
  }

  private templatePaths(template: TemplateRow, binding: TemplateBinding | null): readonly string[] {
    return compileTemplateBinding(templateDefinition(template), binding ?? {}).requiredPaths;
  }

}

/** The blockers, in a fixed order: the number, the templates, the business country. */
function blockersOf({ phoneNumberId, sender, main, fallback, policy }: CampaignFacts): Blocker[] {
  const unregistered: Blocker[] = sender ? [] : [{ code: 'PHONE_NUMBER_NOT_REGISTERED', message: `The phone number ${phoneNumberId} is not registered (POST /v1/phone-numbers)` }];
  const blockers = [...unregistered, ...templateBlockers(main, fallback)];
  if (!sender) return blockers;
  const now = new Date();
  for (const category of new Set<MessageCategory>(categoriesOf(main, fallback))) {
    const answer = businessMaySend(policy.policy, sender.businessCountry, category, now);
    if (answer.allow) continue;
    // A rule refusing every category is the country itself (sanctions): say so, whatever the category.
    const rule = policy.policy.rules.find((r) => r.id === answer.ruleId);
    blockers.push(
      category === 'MARKETING' && rule?.categories !== '*'
        ? { code: 'MARKETING_NOT_AVAILABLE', message: `Marketing templates are not available to businesses in ${sender.businessCountry} (rule ${answer.ruleId ?? 'default'}, policy ${policy.version})` }
        : { code: 'BUSINESS_COUNTRY_RESTRICTED', message: `${category} messages are not available to businesses in ${sender.businessCountry} (rule ${answer.ruleId}, policy ${policy.version})` },
    );
  }
  return blockers;
}

function templateBlockers(main: TemplateRow | null, fallback: TemplateRow | null): Blocker[] {
  return [main, fallback]
    .filter((t): t is TemplateRow => t !== null && t.status !== 'APPROVED')
    .map((t) => ({ code: 'TEMPLATE_NOT_APPROVED', message: `Template ${t.name} (${t.language}) is ${t.status}, not APPROVED` }));
}

function categoriesOf(main: TemplateRow | null, fallback: TemplateRow | null): MessageCategory[] {
  // A template campaign's main message is its template; a session campaign's is SERVICE.
  const categories: MessageCategory[] = [main ? main.category : 'SERVICE'];
  if (fallback) categories.push(fallback.category);
  return categories;
}

function tally(counts: DecisionCount[]): DecisionCounts {
  const totals: DecisionCounts = { total: 0, eligible: 0, excluded: {}, deferred: {} };
  for (const c of counts) {
    totals.total += c.count;
    if (c.decision === 'eligible') totals.eligible += c.count;
    else if (c.decision === 'excluded') totals.excluded[c.reason as ExclusionReason] = c.count;
    else totals.deferred[c.reason as DeferralReason] = c.count;
  }
  return totals;
}
