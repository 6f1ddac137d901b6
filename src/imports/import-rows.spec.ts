import { mapHeader, HeaderMapping, isHeaderProblem } from './csv-header';
import { arrayLiteral, escape, processBatch, RecordBatcher, RowContext, stagingRow, STAGING_COLUMNS } from './import-rows';

function context(header: string[], extra: Partial<RowContext> = {}): RowContext {
  const mapping = mapHeader(header) as HeaderMapping;
  if (isHeaderProblem(mapping)) throw new Error('bad header');
  return { mapping, defaultCountry: 'ID' as never, tags: [], latestAcceptedTime: Date.parse('2026-01-01T00:00:00Z'), ...extra };
}

/** Parses a staging row back into named columns (COPY text format). */
function columns(row: string): Record<string, string | null> {
  expect(row.endsWith('\n')).toBe(true);
  const values = row.slice(0, -1).split('\t');
  expect(values).toHaveLength(STAGING_COLUMNS.length);
  return Object.fromEntries(STAGING_COLUMNS.map((c, i) => [c, values[i] === '\\N' ? null : values[i]]));
}

describe('stagingRow', () => {
  const header = ['phone', 'name', 'city', 'opt_in', 'opt_in_at', 'opt_in_source', 'opt_in_text'];

  it('normalises the phone and maps every field', () => {
    const row = columns(
      stagingRow(['0812-3456-7890', ' Ana ', 'Jakarta', 'Ya', '2025-06-01 10:00', 'form-3', 'I agree to offers'], 2, context(header, { timeZone: 'UTC' })),
    );
    expect(row).toEqual({
      line: '2',
      phone: '+6281234567890',
      country: 'ID',
      name: 'Ana',
      attributes: '{"city":"Jakarta"}',
      tags: '{}',
      consent_kind: 'opt_in',
      consent_at: '2025-06-01T10:00:00.000Z',
      evidence_ref: 'form-3',
      wording: 'I agree to offers',
      reject: null,
      fields: null,
      warnings: null,
    });
  });

  it.each([
    ['yes', 'opt_in'],
    ['TRUE', 'opt_in'],
    ['1', 'opt_in'],
    ['y', 'opt_in'],
    ['ya', 'opt_in'],
    ['no', 'opt_out'],
    ['false', 'opt_out'],
    ['0', 'opt_out'],
    ['N', 'opt_out'],
    ['tidak', 'opt_out'],
    ['', null],
  ])('opt_in %j is %s', (flag, kind) => {
    expect(columns(stagingRow(['+6281234567890', '', '', flag, '', '', ''], 3, context(header))).consent_kind).toBe(kind);
  });

  it('an opt_in_at without an opt_in column means an opt-in', () => {
    const ctx = context(['phone', 'opt_in_at'], { timeZone: 'UTC' });
    expect(columns(stagingRow(['+6281234567890', '2025-01-02'], 2, ctx))).toMatchObject({
      consent_kind: 'opt_in',
      consent_at: '2025-01-02T00:00:00.000Z',
    });
    expect(columns(stagingRow(['+6281234567890', ''], 2, ctx)).consent_kind).toBeNull();
  });

  it.each([
    [['abc', '', '', '', '', '', ''], 'phone_not_a_number'],
    [['', 'Ana', '', '', '', '', ''], 'phone_missing'],
    [['0812-3456-7890', 'Ana'], 'column_count_mismatch'],
    [['0812-3456-7890', '', '', '', '', '', '', 'extra'], 'column_count_mismatch'],
  ])('rejects %j as %s, keeping the fields', (fields, reason) => {
    const row = columns(stagingRow(fields, 9, context(header)));
    expect(row.reject).toBe(reason);
    expect(row.phone).toBeNull();
    expect(row.fields).toBe(escape(arrayLiteral(fields)));
  });

  it.each([
    [['0812-3456-7890', '', '', 'maybe', '', '', ''], 'opt_in_invalid', null],
    [['0812-3456-7890', '', '', 'yes', '2025-13-01', '', ''], 'opt_in_at_invalid', null],
    [['0812-3456-7890', '', '', 'yes', '2030-01-01T00:00:00Z', '', ''], 'opt_in_at_in_future', null],
    [['0812-3456-7890', '', '', 'yes', '2025-06-01 10:00', '', ''], 'opt_in_at_no_time_zone', null],
    [['0812-3456-7890', '', '', 'yes', '03/11/2025', '', ''], 'opt_in_at_needs_date_format', null],
    [['0812-3456-7890', '', '', 'yes', '27/04/2024', '', ''], 'opt_in_at_needs_date_format', null],
    [['0812-3456-7890', '', '', 'yes', '0024-04-27T10:00:00Z', '', ''], 'opt_in_at_year_out_of_range', null],
    [['0812-3456-7890', '', '', 'tidak', '2025-06-01 10:00', '', ''], 'opt_in_at_no_time_zone', 'opt_out'],
  ])('imports %j without its consent, warning %s (an opt-out stays, undated)', (fields, reason, kind) => {
    const row = columns(stagingRow(fields, 9, context(header)));
    expect(row).toMatchObject({ reject: null, phone: '+6281234567890', consent_kind: kind, consent_at: null });
    expect(row.warnings).toBe(`{"${reason}"}`);
    expect(row.fields).toBe(escape(arrayLiteral(fields)));
  });

  it('reads zoneless and day/month dates in the import zone and format', () => {
    const ctx = context(header, { timeZone: 'Asia/Jakarta', dateFormat: 'DD/MM/YYYY', latestAcceptedTime: Date.parse('2027-01-01T00:00:00Z') });
    const at = (text: string) => columns(stagingRow(['0812-3456-7890', '', '', 'ya', text, '', ''], 2, ctx)).consent_at;
    expect(at('27/04/2024')).toBe('2024-04-26T17:00:00.000Z');
    expect(at('3/11/2025 08:00')).toBe('2025-11-03T01:00:00.000Z');
    expect(at('2026-03-01 08:00')).toBe('2026-03-01T01:00:00.000Z');
    expect(at('2026-03-01T08:00:00+07:00')).toBe('2026-03-01T01:00:00.000Z');
    expect(at('2026-03-01T08:00:00Z')).toBe('2026-03-01T08:00:00.000Z');
  });

  it('takes the first valid mobile of a cell with several numbers, keeping the others, with a warning', () => {
    const ctx = context(['phone', 'name']);
    const row = columns(stagingRow(['021-5550001 ::: +62 812-7000-0001 ::: 0813-7000-0001', 'A'], 2, ctx));
    expect(row).toMatchObject({ phone: '+6281270000001', warnings: '{"phone_several_numbers"}' });
    expect(JSON.parse(row.attributes!)).toEqual({ other_phones: '021-5550001 ::: 0813-7000-0001' });
    expect(columns(stagingRow(['abc ::: xyz', 'A'], 2, ctx)).reject).toBe('phone_not_a_number');
    // A decimal comma is never a list separator.
    expect(columns(stagingRow(['6281234400021,5', 'A'], 2, ctx)).reject).toBe('phone_has_decimal_point');
  });

  it('accepts empty cells past the header (a trailing delimiter)', () => {
    expect(columns(stagingRow(['+6281234567890', '', '', '', '', '', '', '', ' '], 2, context(header))).reject).toBeNull();
  });

  it('escapes tabs, newlines and backslashes for COPY, and quotes for arrays and JSON', () => {
    const ctx = context(['phone', 'name', 'note', 'tags'], { tags: ['from upload'] });
    const row = columns(stagingRow(['+6281234567890', 'A\tB', 'line1\nline2 "q" \\ end', 'vip; "gold"'], 2, ctx));
    expect(row.name).toBe('A\\tB');
    expect(row.attributes).toBe(escape(JSON.stringify({ note: 'line1\nline2 "q" \\ end' })));
    expect(row.tags).toBe(escape('{"from upload","vip","\\"gold\\""}'));
  });

  it('rejects a tag longer than 64 characters', () => {
    const ctx = context(['phone', 'tags']);
    expect(columns(stagingRow(['+6281234567890', 'x'.repeat(65)], 2, ctx)).reject).toBe('tag_too_long');
  });
});

describe('batches', () => {
  it('round-trip records through a batch, counting accepted and rejected rows', () => {
    const ctx = context(['phone', 'name']);
    const batcher = new RecordBatcher(3);
    expect(batcher.add(['0812-3456-7890', 'Ana'], 2)).toBeNull();
    expect(batcher.add(['bad', 'Budi'], 3)).toBeNull();
    const batch = batcher.add(['0812-3456-7891', ''], 5)!;
    expect(batcher.flush()).toBeNull();
    const result = processBatch(batch, ctx);
    expect(result).toMatchObject({ accepted: 2, rejected: 1 });
    const rows = new TextDecoder().decode(result.copy).split('\n').filter(Boolean).map((r) => columns(`${r}\n`));
    expect(rows.map((r) => [r.line, r.phone, r.reject])).toEqual([
      ['2', '+6281234567890', null],
      ['3', null, 'phone_not_a_number'],
      ['5', '+6281234567891', null],
    ]);
  });

  it('flushes by size as well as by count', () => {
    const batcher = new RecordBatcher(1000, 100);
    expect(batcher.add(['x'.repeat(60)], 2)).toBeNull();
    expect(batcher.add(['x'.repeat(60)], 3)).not.toBeNull();
  });
});
