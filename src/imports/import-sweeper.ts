import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ImportsRepository } from './imports.repository';
import { ImportsService } from './imports.service';

const SWEEP_EVERY_MS = 60_000;
const QUEUED_GRACE_MS = 60_000;

/**
 * PostgreSQL is the source of truth: an import saved while Redis was unreachable has no job, nor
 * has one whose worker died (its lease expired) or whose re-queueing failed. The worker looks for
 * such imports every minute and queues them; each run has one job id (ImportsService.enqueue), so an
 * import that does have a job is not queued twice.
 */
@Injectable()
export class ImportSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ImportSweeper.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly imports: ImportsRepository,
    private readonly service: ImportsService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<number> {
    try {
      const found = await this.imports.stranded(new Date(Date.now() - QUEUED_GRACE_MS));
      for (const { id, claimToken } of found) await this.service.enqueue(id, claimToken);
      if (found.length > 0) this.logger.log({ count: found.length }, 'Imports queued or left running without a job found');
      return found.length;
    } catch (error) {
      this.logger.warn(`Import sweep failed: ${(error as Error).message}`);
      return 0;
    }
  }
}
