import { checkWebhookSignature, signWebhook } from './webhook-signature';

describe('webhook signatures', () => {
  const secret = 'app-secret';
  const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');

  it('accepts the signature of the exact bytes', () => {
    expect(checkWebhookSignature(body, signWebhook(body, secret), secret)).toBe('valid');
    expect(checkWebhookSignature(body, signWebhook(body, secret).toUpperCase().replace('SHA256=', 'sha256='), secret)).toBe('valid');
  });

  it('refuses a missing, malformed or wrong signature', () => {
    expect(checkWebhookSignature(body, undefined, secret)).toBe('missing');
    expect(checkWebhookSignature(body, '', secret)).toBe('missing');
    expect(checkWebhookSignature(body, 'sha1=abc', secret)).toBe('invalid');
    expect(checkWebhookSignature(body, signWebhook(body, 'other-secret'), secret)).toBe('invalid');
    expect(checkWebhookSignature(body, ['a', 'b'], secret)).toBe('missing');
  });

  it('refuses a body changed after signing, even by one byte or by re-encoding', () => {
    const signature = signWebhook(body, secret);
    const changed = Buffer.from(body);
    changed[changed.length - 2] = 0x20;
    expect(checkWebhookSignature(changed, signature, secret)).toBe('invalid');
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
    expect(checkWebhookSignature(reformatted, signature, secret)).toBe('invalid');
  });

  it('signs non-ASCII bodies over their UTF-8 bytes', () => {
    const text = '{"text":"Berhenti 🙏 ñ"}';
    const utf8 = Buffer.from(text, 'utf8');
    expect(checkWebhookSignature(utf8, signWebhook(text, secret), secret)).toBe('valid');
    expect(checkWebhookSignature(Buffer.from(text, 'latin1'), signWebhook(text, secret), secret)).toBe('invalid');
  });
});
