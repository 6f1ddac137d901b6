import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { AuditLogService } from './audit-log.service';
import { AuditLogPageView, AuditLogQuery, auditEntryView } from './audit-log.view';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit-log')
export class AuditLogController {
  constructor(private readonly audit: AuditLogService) {}

  @Get()
  @ApiOperation({
    summary: 'Every API write (POST, PUT, PATCH, DELETE under /v1), newest first, in pages (keyset)',
    description:
      'Each entry: the key, the route pattern, the target, the request id, the status and outcome (ok or the error code). ' +
      'Failed writes are kept too (401, 400 validation, 415). Never a body, a header or a secret. Filters combine with AND.',
  })
  @ApiOkResponse({ type: AuditLogPageView })
  @ApiErrors('INVALID_CURSOR')
  async list(@Query() query: AuditLogQuery): Promise<AuditLogPageView> {
    const page = await this.audit.list(query);
    return { data: page.data.map(auditEntryView), nextCursor: page.nextCursor };
  }
}
