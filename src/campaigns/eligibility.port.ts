import type { EntityManager } from 'typeorm';
import type { CampaignMessage, DeferralReason, ExclusionReason } from '../eligibility/eligibility-rules';
import type { SessionMessageDefinition, TemplateBinding } from '../rendering';

/**
 * What campaigns need of eligibility (issue 11, section 3), as a port: CampaignsService depends on
 * this abstract class, and the module binds it to the eligibility service.
 *
 * The types below mirror the lead's, built in parallel: `Audience` (src/eligibility/audience.ts)
 * and `Blocker`, `EligibilityCampaign`, `DryRun` and `DecisionCounts`
 * (src/eligibility/eligibility.service.ts). They are declared here only until those files are
 * merged; then they are imported from there and this file keeps the port alone.
 */

/** Who a campaign is for; every part narrows it (AND), and empty means every contact. Erased contacts are never in it. */
export interface Audience {
  /** any: at least one of these tags; all: every one of them; none: not one of them. */
  tags?: { any?: string[]; all?: string[]; none?: string[] };
  /** ISO 3166-1 alpha-2 codes, upper case: the country of the contact's number. */
  countries?: string[];
  /** Attribute equality, text to text. */
  attributes?: Record<string, string>;
  /** The contacts a CSV import inserted or updated. */
  importId?: string;
  /** Contact ids (numeric strings). */
  contactIds?: string[];
}

/** Why a whole campaign may not start; its code is the API error code of the refusal. */
export interface Blocker {
  code: 'TEMPLATE_NOT_APPROVED' | 'MARKETING_NOT_AVAILABLE' | 'PHONE_NUMBER_NOT_REGISTERED';
  message: string;
}

/** A campaign as eligibility reads it: the stored campaign, with what it sends (the template's category as it is now). */
export interface EligibilityCampaign {
  id: string;
  phoneNumberId: string;
  audience: Audience;
  message: CampaignMessage;
  templateId: string | null;
  fallbackTemplateId: string | null;
  binding: TemplateBinding | null;
  session: SessionMessageDefinition | null;
  fallbackBinding: TemplateBinding | null;
}

/** Recipients by decision, and by reason within excluded and deferred. */
export interface DecisionCounts {
  total: number;
  eligible: number;
  excluded: Partial<Record<ExclusionReason, number>>;
  deferred: Partial<Record<DeferralReason, number>>;
  /** The eligibility_policy_versions row every decision was made under. */
  policyVersionId: number;
}

/** GET /v1/campaigns/:id/eligibility: what a launch now would decide, written nowhere. */
export interface DryRun {
  total: number;
  eligible: number;
  excluded: Partial<Record<ExclusionReason, number>>;
  deferred: Partial<Record<DeferralReason, number>>;
  blockers: Blocker[];
  /** Up to 5 recipients per reason. */
  samples: Partial<Record<ExclusionReason | DeferralReason, Array<{ contactId: string; phone: string }>>>;
  /** How long sending the eligible recipients takes at the campaign's rate, in seconds. */
  estimatedSeconds: number;
  /** The policy version the decisions were made under. */
  policyVersion: number;
}

/** The port. Implemented by the eligibility service; bound in CampaignsModule. */
export abstract class CampaignEligibility {
  /** What refuses the whole campaign now (an unapproved template, marketing not available to the sender, …); [] when nothing does. */
  abstract blockers(campaign: EligibilityCampaign): Promise<Blocker[]>;

  /** The decisions a launch now would make, counted, with samples; writes nothing. */
  abstract dryRun(campaign: EligibilityCampaign): Promise<DryRun>;

  /** Freezes the audience into campaign_recipients, one row per contact with its decision, in the caller's transaction. */
  abstract snapshot(tx: EntityManager, campaign: EligibilityCampaign): Promise<DecisionCounts>;
}
