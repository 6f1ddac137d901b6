import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { safeError } from '../common/log-redaction';
import { CampaignsService } from './campaigns.service';

/** How often the worker looks for due campaigns: a campaign starts within this (plus its own start) of its time, well within 5 s. */
export const SCHEDULER_EVERY_MS = 1000;
/** Due campaigns taken per look, oldest first. */
const BATCH = 20;

/**
 * Starts scheduled campaigns when they are due (worker only). The schedule is in PostgreSQL
 * (campaigns.scheduled_at of `scheduled` rows), so it survives restarts and needs no queue: every
 * second each worker reads the due campaigns and starts each by the launch's path
 * (CampaignsService.fire), whose compare-and-set lets exactly one worker start it, however many
 * look at once. A campaign found later than CAMPAIGN_MAX_LATENESS after its time (the workers
 * were down) is not started unannounced: it is paused with missed_schedule, for a person to
 * resume or cancel.
 */
@Injectable()
export class CampaignScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CampaignScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  /** The look in progress; one at a time per worker. */
  private sweeping: Promise<number> | undefined;
  private stopping = false;

  constructor(
    private readonly campaigns: CampaignsService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), SCHEDULER_EVERY_MS);
    this.timer.unref();
    this.tick();
  }

  /** Stops looking, and lets a campaign being started finish (its transaction commits or rolls back whole). */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.sweeping;
  }

  private tick(): void {
    if (this.sweeping || this.stopping) return;
    this.sweeping = this.sweep().finally(() => (this.sweeping = undefined));
  }

  /** One look: starts (or pauses as missed) the campaigns due now. Returns how many it moved. */
  async sweep(): Promise<number> {
    let moved = 0;
    try {
      for (const { id, late } of await this.campaigns.due(BATCH, this.config.campaigns.maxLatenessMs)) {
        if (this.stopping) break;
        try {
          if (late) {
            if (await this.campaigns.missSchedule(id)) {
              moved++;
              this.logger.warn({ campaignId: id }, 'Campaign found later than CAMPAIGN_MAX_LATENESS after its time: paused (missed_schedule)');
            }
            continue;
          }
          const outcome = await this.campaigns.fire(id);
          if (outcome !== null) {
            moved++;
            this.logger.log({ campaignId: id, status: outcome }, outcome === 'running' ? 'Scheduled campaign started' : 'Scheduled campaign blocked: paused');
          }
        } catch (error) {
          // Tried again at the next look, until it is late and paused as missed.
          this.logger.warn({ campaignId: id, err: safeError(error) }, 'Starting a scheduled campaign failed');
        }
      }
    } catch (error) {
      this.logger.warn({ err: safeError(error) }, 'Looking for due campaigns failed');
    }
    return moved;
  }
}
