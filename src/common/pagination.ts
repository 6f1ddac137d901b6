import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { DomainError } from './domain-error';
import { isStorableText, parseIsoTimestamp } from './validation';

/** Keyset pagination: an opaque cursor naming the last key a page ended on. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A time key as PostgreSQL writes `created_at::text` (`2026-03-01 10:00:00.123456+00`), then `|`. */
const TIME_KEY = /^(\d{4}-\d{2}-\d{2} [^|]*)\|(.*)$/;

export function encodeCursor(lastKey: string): string {
  return Buffer.from(JSON.stringify({ after: lastKey }), 'utf8').toString('base64url');
}

function invalidCursor(): DomainError {
  return new DomainError('INVALID_CURSOR', 'The cursor is not one this API gave out', [
    { field: 'cursor', problems: ['give nextCursor from a previous page, unchanged'] },
  ]);
}

/**
 * The key a cursor names, or undefined for none. Every cursor is checked here, once, before any
 * query sees it: a string of at most 128 characters that PostgreSQL can hold, and when it carries a
 * time key (`<timestamp>|<id>`, as the imports and templates listings give out), a timestamp that
 * names a real instant (a hand-made `2026-13-45 99:99:99+00|…` is INVALID_CURSOR, not a database
 * error). Throws INVALID_CURSOR (400).
 */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let after: unknown;
  try {
    after = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown }).after;
  } catch {
    throw invalidCursor();
  }
  if (typeof after !== 'string' || after.length === 0 || after.length > 128 || !isStorableText(after)) throw invalidCursor();
  const timeKey = TIME_KEY.exec(after);
  if (timeKey && parseIsoTimestamp(timeKey[1]) === null) throw invalidCursor();
  return after;
}

/**
 * A `<timestamp>|<id>` cursor (newest-first listings) as its parts; the id must match `idPattern`
 * (a uuid unless told: phone numbers are keyed by Meta's digits). Throws INVALID_CURSOR.
 */
export function decodeTimeCursor(cursor: string | undefined, idPattern: RegExp = UUID): { createdAt: string; id: string } | undefined {
  const after = decodeCursor(cursor);
  if (after === undefined) return undefined;
  const key = TIME_KEY.exec(after);
  if (!key || !idPattern.test(key[2])) throw invalidCursor();
  return { createdAt: key[1], id: key[2] };
}

/** Builds a page from `limit + 1` rows fetched in key order. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const data = rows.slice(0, limit);
  return { data, nextCursor: rows.length > limit ? encodeCursor(data[data.length - 1].id) : null };
}

/** `limit` (1 to 200, default 50) and `cursor` (a previous page's nextCursor): the query of a keyset-paginated list. */
export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor from the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}
