import type { EntityManager } from 'typeorm';
import type { Blocker, DryRun, EligibilityCampaign, Snapshot } from '../eligibility/eligibility.service';

export type { Audience } from '../eligibility/audience';
export type { Blocker, DryRun, EligibilityCampaign } from '../eligibility/eligibility.service';
/** Recipients by decision and reason, with the policy version they were decided under. */
export type DecisionCounts = Snapshot;

/**
 * What campaigns need of eligibility (issue 11, section 3), as a port: CampaignsService depends on
 * this abstract class, and CampaignsModule binds it to EligibilityService, so that campaigns'
 * tests can drive the state machine with blockers of their choosing.
 */
/** The port. Implemented by the eligibility service; bound in CampaignsModule. */
export abstract class CampaignEligibility {
  /** What refuses the whole campaign now (an unapproved template, marketing not available to the sender, …); [] when nothing does. */
  abstract blockers(campaign: EligibilityCampaign): Promise<Blocker[]>;

  /** The decisions a launch now would make, counted, with samples; writes nothing. */
  abstract dryRun(campaign: EligibilityCampaign): Promise<DryRun>;

  /** Freezes the audience into campaign_recipients, one row per contact with its decision, in the caller's transaction. */
  abstract snapshot(tx: EntityManager, campaign: EligibilityCampaign): Promise<DecisionCounts>;
}
