import { Module } from '@nestjs/common';
import { ComplianceController } from './compliance.controller';
import { ComplianceRepository } from './compliance.repository';
import { ComplianceService } from './compliance.service';

/** The compliance report over a period (issue 13, section 2): reads the ledger, writes nothing. */
@Module({
  controllers: [ComplianceController],
  providers: [ComplianceRepository, ComplianceService],
  exports: [ComplianceService],
})
export class ComplianceModule {}
