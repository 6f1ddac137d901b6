import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CampaignsRepository, type SendWindow } from '../campaigns/campaigns.repository';
import { inSendWindow } from '../campaigns/send-window';
import { safeError } from '../common/log-redaction';
import { AppConfig } from '../config/app-config';
import { ConsentService } from '../contacts/consent.service';
import { ContactsService } from '../contacts/contacts.service';
import { rows } from '../database/sql';
import { EligibilityService } from '../eligibility/eligibility.service';
import { TemplatesService } from '../templates/templates.service';
import type { TemplateRow } from '../templates/templates.repository';
import { CloudApiClient } from '../whatsapp/cloud-api.client';
import { CampaignMessage } from './campaign-message';
import { ConsentRecheck } from './consent-recheck';
import { DispatchRepository } from './dispatch.repository';
import { LaneCampaign, LaneSettings, NumberLane } from './number-lane';
import { OutcomeSink } from './outcome-sink';
import { ThroughputGate } from './throughput-gate';

/** How often each worker reads which campaigns are running (and so how fast a pause is seen: well within 1 s). */
export const REFRESH_EVERY_MS = 200;
/** How often leases that ran out are turned `unknown`, and drained campaigns are completed. */
const HOUSEKEEPING_EVERY_MS = 2000;
/**
 * How often the progress deltas of the campaigns this worker sends are folded, and how recent the
 * deltas kept apart are (more than the progress view's 10 s rate window). A campaign at 1,000 mps
 * writes a few hundred delta rows in that time.
 */
const COMPACT_PROGRESS_EVERY_MS = 10_000;
const COMPACT_PROGRESS_KEEP_SECONDS = 15;
/** Slots are reserved at most this far ahead (the longest a claimed row waits for its send). */
const AHEAD_MS = 500;

/** What the refresh reads of a running campaign. */
interface RunningRow {
  id: string;
  phoneNumberId: string;
  maxMps: number | null;
  updatedAt: Date;
  sendWindow: SendWindow | null;
  throughputMps: number;
  marketingMessagesApi: boolean;
  /** The templates' status and last change (a change recompiles the campaign's message). */
  templates: Array<{ id: string; status: string; updatedAt: string }>;
}


/**
 * The sending side of the worker: for each business number with running campaigns, one NumberLane
 * (see there). Every REFRESH_EVERY_MS it reads the running campaigns from PostgreSQL (the source of
 * truth; no queue is needed to find work, so losing Redis loses nothing), starts and stops lanes,
 * and tells each lane which campaigns are sending: a campaign paused, cancelled or outside its send
 * window stops sending within that time. A template that is no longer APPROVED pauses its
 * campaigns. Every HOUSEKEEPING_EVERY_MS: rows whose lease ran out become `unknown`; campaigns with
 * nothing left to claim release deferred recipients as the messaging limit frees, and complete
 * when nothing is pending, sending or deferred.
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DispatcherService.name);
  private readonly lanes = new Map<string, NumberLane>();
  private readonly sink: OutcomeSink;
  /** One per worker: the last consent look before sends, batched across its lanes. */
  private readonly recheck: ConsentRecheck;
  private readonly settings: LaneSettings;
  /** Campaigns whose last claim found nothing (with their number): checked for completion at the next housekeeping. */
  private readonly drained = new Map<string, string>();
  private readonly versions = new Map<string, string>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private housekeepingTimer: NodeJS.Timeout | undefined;
  private progressCompactedAt = 0;
  private busy: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly db: DataSource,
    private readonly repository: DispatchRepository,
    private readonly campaigns: CampaignsRepository,
    private readonly templates: TemplatesService,
    private readonly eligibility: EligibilityService,
    private readonly client: CloudApiClient,
    private readonly gate: ThroughputGate,
    contacts: ContactsService,
    consent: ConsentService,
    config: AppConfig,
  ) {
    this.sink = new OutcomeSink(db, repository, contacts, consent);
    this.recheck = new ConsentRecheck(repository);
    // A claimed row waits at most AHEAD_MS for its slot, then the HTTP call takes at most the
    // client's timeout (connect and answer), and its outcome is written within a flush or two; the
    // lease doubles the timeout and adds 5 s for a loaded machine (35.5 s with the default 15 s).
    this.settings = { leaseMs: AHEAD_MS + 2 * config.whatsapp.timeoutMs + 5000, aheadMs: AHEAD_MS, idleMs: 100 };
  }

  onApplicationBootstrap(): void {
    this.refreshTimer = setInterval(() => this.run(() => this.refresh()), REFRESH_EVERY_MS);
    this.housekeepingTimer = setInterval(() => this.run(() => this.housekeeping()), HOUSEKEEPING_EVERY_MS);
    this.refreshTimer.unref();
    this.housekeepingTimer.unref();
    this.run(() => this.refresh());
  }

  /** Stops claiming, lets sends in flight finish, releases what was claimed and not sent, writes every outcome. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.refreshTimer);
    clearInterval(this.housekeepingTimer);
    await this.busy;
    await Promise.all([...this.lanes.values()].map((lane) => lane.stop()));
    await this.sink.drain();
  }

  /** One refresh or housekeeping at a time; a tick that finds one running is skipped. */
  private run(work: () => Promise<void>): void {
    if (this.busy || this.stopping) return;
    this.busy = work()
      .catch((error) => this.logger.warn({ err: safeError(error) }, 'Dispatcher refresh failed; trying again'))
      .finally(() => (this.busy = undefined));
  }

  /** Reads the running campaigns and brings the lanes in line with them. */
  async refresh(): Promise<void> {
    const running = await rows<RunningRow>(
      this.db,
      `SELECT c.id, c.phone_number_id AS "phoneNumberId", c.max_mps AS "maxMps", c.updated_at AS "updatedAt", c.send_window AS "sendWindow",
              p.throughput_mps AS "throughputMps", p.marketing_messages_api AS "marketingMessagesApi",
              coalesce((SELECT json_agg(json_build_object('id', t.id, 'status', t.status, 'updatedAt', t.updated_at))
                          FROM templates t WHERE t.id IN (c.template_id, c.fallback_template_id)), '[]') AS templates
         FROM campaigns c JOIN phone_numbers p ON p.phone_number_id = c.phone_number_id
        WHERE c.status = 'running'`,
    );
    const seen = new Set<string>();
    for (const row of running) {
      const stopped = row.templates.find((t) => t.status !== 'APPROVED');
      if (stopped) {
        await this.pause(row.id, 'TEMPLATE_NOT_APPROVED');
        continue;
      }
      let lane = this.lanes.get(row.phoneNumberId);
      if (!lane) {
        lane = new NumberLane(row.phoneNumberId, row.throughputMps, {
          repository: this.repository,
          client: this.client,
          gate: this.gate,
          sink: this.sink,
          recheck: this.recheck,
          settings: this.settings,
          events: { stop: (id, scope, reason) => void this.stop(id, row.phoneNumberId, scope, reason), drained: (id) => this.drained.set(id, row.phoneNumberId) },
        });
        this.lanes.set(row.phoneNumberId, lane);
        lane.start();
      }
      lane.mps = row.throughputMps;
      seen.add(row.id);
      const version = `${row.updatedAt.toISOString()}|${row.templates.map((t) => t.updatedAt).join('|')}`;
      let campaign = lane.campaigns.get(row.id);
      if (!campaign || this.versions.get(row.id) !== version) {
        const built = await this.build(row);
        if (!built) continue;
        campaign = built;
        lane.campaigns.set(row.id, campaign);
        this.versions.set(row.id, version);
        lane.poke();
      }
      campaign.maxMps = row.maxMps;
      campaign.sending = inSendWindow(row.sendWindow, new Date());
    }
    for (const [number, lane] of this.lanes) {
      for (const [id, campaign] of lane.campaigns) {
        if (seen.has(id)) continue;
        campaign.sending = false;
        lane.campaigns.delete(id);
        this.versions.delete(id);
      }
      if (lane.campaigns.size === 0) {
        this.lanes.delete(number);
        void lane.stop();
        if (lane.lateSlots > 0) {
          this.logger.warn({ phoneNumberId: number, lateSlots: lane.lateSlots }, 'Send slots given up for lateness while the number had campaigns: the event loop was late, the number sent under its rate');
        }
      }
    }
  }

  /**
   * Leases that ran out become unknown; drained campaigns release deferred recipients or complete;
   * every COMPACT_PROGRESS_EVERY_MS the progress deltas of the campaigns sent here are folded.
   */
  async housekeeping(): Promise<void> {
    const expired = await this.repository.expireLeases();
    if (expired > 0) this.logger.warn({ rows: expired }, 'Claims whose lease ran out (a worker stopped mid-send) are now unknown');
    if (Date.now() - this.progressCompactedAt >= COMPACT_PROGRESS_EVERY_MS) {
      this.progressCompactedAt = Date.now();
      for (const lane of this.lanes.values()) for (const id of lane.campaigns.keys()) await this.campaigns.compactProgress(id, COMPACT_PROGRESS_KEEP_SECONDS);
    }
    for (const [id, phoneNumberId] of [...this.drained]) {
      this.drained.delete(id);
      const work = await this.repository.hasWork(id);
      if (work.pending || work.sending) continue;
      if (work.deferred) {
        const budget = await this.eligibility.messagingBudget(phoneNumberId);
        const released = await this.repository.releaseDeferred(id, budget === null ? Number.MAX_SAFE_INTEGER : budget);
        if (released > 0) {
          this.logger.log({ campaignId: id, released }, 'Deferred recipients released: the messaging limit has room again');
          this.lanes.get(phoneNumberId)?.poke();
        }
        continue;
      }
      if (await this.repository.complete(id)) {
        this.logger.log({ campaignId: id }, 'Campaign completed');
        await this.campaigns.compactProgress(id, 0);
      }
    }
  }

  /** Compiles a running campaign's message; a campaign whose message no longer compiles is paused. */
  private async build(row: RunningRow): Promise<LaneCampaign | undefined> {
    const campaign = await this.campaigns.findById(row.id);
    if (!campaign || campaign.status !== 'running') return undefined;
    const templates = new Map<string, TemplateRow>();
    for (const id of [campaign.templateId, campaign.fallbackTemplateId]) if (id) templates.set(id, await this.templates.get(id));
    try {
      return {
        target: { campaignId: campaign.id, phoneNumberId: campaign.phoneNumberId, sessionScope: campaign.sessionScope },
        message: new CampaignMessage(campaign, templates),
        sender: { phoneNumberId: campaign.phoneNumberId, marketingMessagesApi: row.marketingMessagesApi },
        maxMps: row.maxMps,
        sending: true,
        idleUntil: 0,
      };
    } catch (error) {
      this.logger.warn({ campaignId: row.id, err: safeError(error) }, 'The campaign message no longer compiles (a template changed): paused');
      await this.pause(row.id, 'CAMPAIGN_BINDING_INVALID');
      return undefined;
    }
  }

  /** A stop-class answer or a failure spike: the campaign, or every running campaign on the number, pauses with the reason. */
  private async stop(campaignId: string, phoneNumberId: string, scope: 'campaign' | 'number', reason: string): Promise<void> {
    const ids = scope === 'campaign' ? [campaignId] : [...(this.lanes.get(phoneNumberId)?.campaigns.keys() ?? [campaignId])];
    for (const id of ids) await this.pause(id, reason);
  }

  private async pause(id: string, reason: string): Promise<void> {
    try {
      if (await this.campaigns.setStatus(id, ['running'], 'paused', { reason })) this.logger.warn({ campaignId: id, reason }, 'Campaign paused by the dispatcher');
    } catch (error) {
      this.logger.warn({ campaignId: id, err: safeError(error) }, 'Pausing a campaign failed');
    }
  }
}
