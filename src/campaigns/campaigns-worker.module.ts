import { Module } from '@nestjs/common';
import { CampaignScheduler } from './campaign-scheduler';
import { CampaignsModule } from './campaigns.module';

/** Starts scheduled campaigns when they are due; part of the worker process only. */
@Module({
  imports: [CampaignsModule],
  providers: [CampaignScheduler],
})
export class CampaignsWorkerModule {}
