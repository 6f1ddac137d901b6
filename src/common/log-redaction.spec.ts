import { QueryFailedError } from 'typeorm';
import { safeError, safeUrl } from './log-redaction';

describe('safeError', () => {
  const PHONE = '+6281399887766';
  const BODY = 'my address is Jalan Rahasia 12';

  function databaseError(): QueryFailedError {
    const driverError = Object.assign(new Error('null value in column "type" of relation "inbound_messages" violates not-null constraint'), {
      code: '23502',
      table: 'inbound_messages',
      column: 'type',
      detail: `Failing row contains (1, ${PHONE}, null, ${BODY}).`,
    });
    return new QueryFailedError('INSERT INTO inbound_messages VALUES ($1, $2, $3)', [PHONE, null, BODY], driverError);
  }

  it('keeps what explains a database error and drops its parameters and row', () => {
    const view = safeError(databaseError()) as Record<string, unknown>;
    expect(view).toMatchObject({ type: 'QueryFailedError', code: '23502', table: 'inbound_messages', column: 'type' });
    expect(view.message).toMatch(/violates not-null constraint/);
    expect(view.stack).toEqual(expect.any(String));
    const text = JSON.stringify(view);
    expect(text).not.toContain(PHONE);
    expect(text).not.toContain('Jalan Rahasia');
  });

  it('is idempotent: a view logged again keeps its type and message', () => {
    const once = safeError(databaseError());
    expect(safeError(once)).toBe(once);
    expect((safeError(once) as { type: string }).type).toBe('QueryFailedError');
  });

  it('names something thrown that is not an Error without its fields', () => {
    class Weird {
      phone = PHONE;
    }
    expect(safeError(new Weird())).toEqual({ type: 'Weird', message: '[not an Error]' });
    expect(safeError('text')).toBe('text');
  });
});

describe('safeUrl', () => {
  it.each([
    ['/v1/contacts', '/v1/contacts'],
    ['/v1/contacts?phone=%2B62813&limit=5', '/v1/contacts?phone=[redacted]&limit=5'],
    ['/v1/contacts?attributes[city]=Bogor&q=ana', '/v1/contacts?attributes[city]=[redacted]&q=[redacted]'],
    ['/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=1', '/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=[redacted]&hub.challenge=[redacted]'],
    ['/x?flag&%ZZ=1', '/x?flag&%ZZ=[redacted]'],
  ])('%s -> %s', (url, logged) => {
    expect(safeUrl(url)).toBe(logged);
  });
});
