import { Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { ApiPrincipal } from '../auth/api-keys.service';
import { CurrentApiKey } from '../auth/current-api-key.decorator';
import { ApiErrors } from '../common/api-errors.decorator';
import { DomainError } from '../common/domain-error';
import { ImportPageView, ImportView, importView } from './import.view';
import { ImportUploadsService } from './import-uploads.service';
import { ImportsService } from './imports.service';

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts/imports')
export class ImportsController {
  constructor(
    private readonly imports: ImportsService,
    private readonly uploads: ImportUploadsService,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Upload a CSV audience; the worker imports it',
    description:
      'The phone column is found by name (phone, phone_number, msisdn, mobile, whatsapp, wa, nomor, no_hp, telepon; any case) or named by phoneColumn. ' +
      'name and tags are contact fields; opt_in, opt_in_at, opt_in_source, opt_in_text become consent events for optInScope; every other column becomes an attribute (snake_case key). ' +
      'An upload that sends nothing for IMPORT_UPLOAD_IDLE_TIMEOUT_MS ends with 408; beyond IMPORT_UPLOAD_CONCURRENCY uploads at once the API answers 503 with Retry-After.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary', description: 'CSV, UTF-8; comma, semicolon or tab delimited' },
        defaultCountry: { type: 'string', example: 'ID', description: 'Country for numbers in national format' },
        tags: { type: 'string', example: 'newsletter,2026-q4', description: 'Added to every contact; comma-separated or repeated' },
        optInScope: { type: 'string', enum: ['marketing', 'utility', 'all'], default: 'marketing' },
        phoneColumn: { type: 'string', description: 'The phone column, when its name is not one we recognise' },
      },
    },
  })
  @ApiAcceptedResponse({ type: ImportView })
  @ApiErrors(
    'IMPORT_NOT_MULTIPART',
    'IMPORT_FILE_MISSING',
    'IMPORT_FILE_EMPTY',
    'IMPORT_FILE_NOT_TEXT',
    'IMPORT_FILE_NOT_UTF8',
    'IMPORT_LINE_TOO_LONG',
    'IMPORT_CSV_MALFORMED',
    'IMPORT_NO_PHONE_COLUMN',
    'IMPORT_DUPLICATE_COLUMN',
    'IMPORT_NO_ROWS',
    'IMPORT_FILE_TOO_LARGE',
    'IMPORT_UPLOAD_TIMEOUT',
    'IMPORT_UPLOADS_BUSY',
    'SERVICE_UNAVAILABLE',
  )
  async upload(@Req() req: Request, @CurrentApiKey() key: ApiPrincipal): Promise<ImportView> {
    return importView(await this.uploads.upload(req, key));
  }

  @Get()
  @ApiOperation({ summary: 'List imports, newest first' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } })
  @ApiOkResponse({ type: ImportPageView })
  @ApiErrors('INVALID_CURSOR')
  async list(@Query('cursor') cursor?: string, @Query('limit') limitText?: string): Promise<ImportPageView> {
    const limit = limitText === undefined ? 20 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new DomainError('VALIDATION_FAILED', 'limit must be an integer from 1 to 100', [{ field: 'limit', problems: ['1 to 100'] }]);
    }
    const page = await this.imports.list(cursor, limit);
    return { data: page.data.map(importView), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({ summary: 'An import: status, live progress and counts' })
  @ApiOkResponse({ type: ImportView })
  @ApiErrors('IMPORT_NOT_FOUND')
  async get(@Param('id') id: string): Promise<ImportView> {
    return importView(await this.imports.get(id));
  }

  @Get(':id/rejected.csv')
  @ApiOperation({
    summary: 'The rejected rows: line, reason, message, then the row as uploaded',
    description:
      "CSV (RFC 4180, CRLF), streamed. A cell that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR, after any quotes) is written with one more ' in front (OWASP): remove one leading ' from such cells to get the value as uploaded.",
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' } })
  @ApiErrors('IMPORT_NOT_FOUND', 'IMPORT_NOT_COMPLETED')
  async rejected(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const row = await this.imports.completed(id); // errors answer before any CSV header is set
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="import-${row.id}-rejected.csv"`);
    await this.imports.writeRejected(row, res);
  }
}
