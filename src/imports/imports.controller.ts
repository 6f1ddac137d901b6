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
import { csvDownload } from '../common/csv-download';
import { DomainError } from '../common/domain-error';
import { ImportPageView, ImportView, importView } from './import.view';
import { ImportUploadsService, IncomingUpload } from './import-uploads.service';
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
      'The phone column is found by name (phone, phone_number, msisdn, mobile, whatsapp, wa, nomor, no_hp, telepon, nomor hp, no wa, Phone 1 - Value, Mobile Phone, billing_phone, Default Address Phone…; any case; README lists them all) or named by phoneColumn or columns. ' +
      'name (or first/middle/last name columns) and tags are contact fields; opt_in, opt_in_at, opt_in_source, opt_in_text become consent events for optInScope; every other column becomes an attribute (snake_case key). ' +
      'Email or SMS marketing consent columns are never taken as a WhatsApp opt-in. A consent cell that cannot be read (no time zone, a day/month date without dateFormat, not a date) imports the contact without that event and lists the row in warnings.csv. ' +
      'Several rows for one phone merge as if uploaded one after another. ' +
      'An upload that sends nothing for IMPORT_UPLOAD_IDLE_TIMEOUT_MS ends with 408; beyond IMPORT_UPLOAD_CONCURRENCY uploads at once the API answers 503 with Retry-After.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: {
          type: 'string',
          format: 'binary',
          description: 'CSV, UTF-8 (or UTF-16 with a byte order mark, or the encoding named by encoding); comma, semicolon or tab delimited',
        },
        defaultCountry: { type: 'string', example: 'ID', description: 'Country for numbers in national format' },
        tags: { type: 'string', example: 'newsletter,2026-q4', description: 'Added to every contact; comma-separated or repeated' },
        optInScope: { type: 'string', enum: ['marketing', 'utility', 'all'], default: 'marketing' },
        phoneColumn: { type: 'string', description: 'The phone column, when its name is not one we recognise' },
        encoding: {
          type: 'string',
          enum: ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'iso-8859-1'],
          description: 'The file is decoded in this encoding (send this field before the file). Without it: UTF-8, or UTF-16 when the file starts with its byte order mark',
        },
        timeZone: {
          type: 'string',
          example: 'Asia/Jakarta',
          description:
            'IANA zone of consent dates written without an offset. Default: the zone of defaultCountry when it has exactly one (not ID: Indonesia has several); without a zone such dates are warnings, not guessed',
        },
        dateFormat: {
          type: 'string',
          example: 'DD/MM/YYYY',
          description:
            'How day/month consent dates are written: DD/MM/YYYY, MM/DD/YYYY or YYYY-MM-DD (separator /, . or -), optionally with HH:mm or HH:mm:ss. ISO dates are always read; without it day/month dates are warnings, not guessed',
        },
        columns: {
          type: 'string',
          example: '{"Nama Pelanggan": "name", "Nomor HP": "phone", "Setuju Promo": "opt_in"}',
          description:
            'JSON object: file column → field (phone, name, first_name, middle_name, last_name, tags, opt_in, opt_in_at, opt_in_source, opt_in_text, attributes.<key>, ignore). Columns it does not name keep the built-in names',
        },
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
    'IMPORT_COLUMNS_UNKNOWN_COLUMN',
    'IMPORT_COLUMNS_UNKNOWN_FIELD',
    'IMPORT_COLUMNS_FIELD_TWICE',
    'IMPORT_NO_ROWS',
    'IMPORT_FILE_TOO_LARGE',
    'IMPORT_UPLOAD_TIMEOUT',
    'IMPORT_UPLOADS_BUSY',
    'SERVICE_UNAVAILABLE',
  )
  async upload(@Req() req: Request, @Res({ passthrough: true }) res: Response, @CurrentApiKey() key: ApiPrincipal): Promise<ImportView> {
    return importView(await this.uploads.upload(incomingUpload(req, res), key));
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
    await this.imports.writeRejected(row, csvDownload(res, `import-${row.id}-rejected.csv`));
  }

  @Get(':id/warnings.csv')
  @ApiOperation({
    summary: 'Rows imported with a warning: line, reason, message, then the row as uploaded',
    description:
      'A row is listed here when it was imported, but not entirely as written: a consent cell that could not be read without guessing (the contact came in without that consent event; an opt-out is still recorded, as of the import), or several numbers in one phone cell (the others kept in the attribute other_phones). ' +
      'Reasons: opt_in_invalid, opt_in_at_invalid, opt_in_at_in_future, opt_in_at_no_time_zone (give timeZone), opt_in_at_needs_date_format (give dateFormat), opt_in_at_year_out_of_range, phone_several_numbers. ' +
      'A row with two warnings is listed once per reason. The same CSV format, and the same formula neutralisation, as rejected.csv.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' } })
  @ApiErrors('IMPORT_NOT_FOUND', 'IMPORT_NOT_COMPLETED')
  async warnings(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const row = await this.imports.completed(id);
    await this.imports.writeWarnings(row, csvDownload(res, `import-${row.id}-warnings.csv`));
  }
}

/**
 * The upload a request carries: its body stream and headers. A refused upload closes its connection
 * after the answer, so a body we will not read is not drained (and says when to retry, if asked).
 */
function incomingUpload(req: Request, res: Response): IncomingUpload {
  return {
    body: req,
    contentType: req.headers['content-type'],
    contentLength: req.headers['content-length'],
    refused: (retryAfterSeconds) => {
      res.setHeader('Connection', 'close');
      if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
    },
  };
}
