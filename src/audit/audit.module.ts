import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditLogController } from './audit-log.controller';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogService } from './audit-log.service';
import { CreatedIdInterceptor } from './created-id.interceptor';

/**
 * The audit log of API writes. Entries are recorded by the auditWrites middleware, which
 * configureApi (src/app.setup.ts) installs first, and named by CreatedIdInterceptor for creates.
 */
@Module({
  controllers: [AuditLogController],
  providers: [AuditLogRepository, AuditLogService, { provide: APP_INTERCEPTOR, useClass: CreatedIdInterceptor }],
  exports: [AuditLogService],
})
export class AuditModule {}
