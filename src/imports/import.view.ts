import { ApiProperty } from '@nestjs/swagger';
import type { ImportRow } from './imports.repository';

export class ImportErrorView {
  @ApiProperty({ example: 'IMPORT_CSV_MALFORMED' }) code: string;
  @ApiProperty() message: string;
  @ApiProperty({ nullable: true, type: Number }) line: number | null;
}

export class ImportView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed'] }) status: string;
  @ApiProperty({ nullable: true, type: String }) fileName: string | null;
  @ApiProperty() fileBytes: number;
  @ApiProperty() fileSha256: string;
  @ApiProperty({ enum: [',', ';', '\t'] }) delimiter: string;
  @ApiProperty({ description: 'The column the phone numbers were read from' }) phoneColumn: string;
  @ApiProperty({ nullable: true, type: String }) defaultCountry: string | null;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ enum: ['marketing', 'utility', 'all'] }) optInScope: string;
  @ApiProperty({ description: 'Data rows read so far (live while running)' }) rowsRead: number;
  @ApiProperty() inserted: number;
  @ApiProperty() updated: number;
  @ApiProperty() unchanged: number;
  @ApiProperty() rejected: number;
  @ApiProperty({
    description:
      'Accepted rows beyond the first for a phone that appears on several rows. Such rows merge into one contact as if uploaded one after another: empty cells change nothing, later non-empty values win, tags accumulate, and every row\'s consent statement is recorded',
  })
  duplicates: number;
  @ApiProperty() consentEvents: number;
  @ApiProperty({ description: 'Warnings on imported rows (listed in warnings.csv; a row may have more than one)' }) warnings: number;
  @ApiProperty({ enum: ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'iso-8859-1'], description: 'How the file was decoded' }) encoding: string;
  @ApiProperty({ nullable: true, type: String, description: 'The zone of consent dates without one, as given' }) timeZone: string | null;
  @ApiProperty({ nullable: true, type: String }) dateFormat: string | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: { type: 'string' }, description: 'The upload\'s columns mapping' })
  columns: Record<string, string> | null;
  @ApiProperty({ nullable: true, type: ImportErrorView }) error: ImportErrorView | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
}

export class ImportPageView {
  @ApiProperty({ type: [ImportView] }) data: ImportView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export function importView(row: ImportRow): ImportView {
  return {
    id: row.id,
    status: row.status,
    fileName: row.fileName,
    fileBytes: row.fileBytes,
    fileSha256: row.fileSha256,
    delimiter: row.delimiter,
    phoneColumn: row.phoneColumn,
    defaultCountry: row.defaultCountry,
    tags: row.tags,
    optInScope: row.optInScope,
    rowsRead: row.rowsRead,
    inserted: row.inserted,
    updated: row.updated,
    unchanged: row.unchanged,
    rejected: row.rejected,
    duplicates: row.duplicates,
    consentEvents: row.consentEvents,
    warnings: row.warnings,
    encoding: row.encoding,
    timeZone: row.timeZone,
    dateFormat: row.dateFormat,
    columns: row.columnMap,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '', line: row.errorLine } : null,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
