import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { PhoneNumbersModule } from '../phone-numbers/phone-numbers.module';
import { ReportController } from './report.controller';
import { ReportRepository } from './report.repository';
import { ReportService } from './report.service';

/** The campaign report (issue 13, section 1): JSON and the per-recipient CSV. Reads, writes nothing. */
@Module({
  imports: [CampaignsModule, PhoneNumbersModule],
  controllers: [ReportController],
  providers: [ReportRepository, ReportService],
})
export class ReportsModule {}
