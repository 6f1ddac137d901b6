import { isAuditedWrite, targetOf } from './audit-writes';

describe('isAuditedWrite', () => {
  it.each([
    ['POST', '/v1/contacts', true],
    ['DELETE', '/v1/contacts/12', true],
    ['PATCH', '/v1/templates/x', true],
    ['PUT', '/v1/anything', true],
    ['GET', '/v1/contacts', false],
    ['HEAD', '/v1/contacts', false],
    ['POST', '/webhooks/whatsapp', false],
    ['POST', '/health', false],
    ['POST', '/docs', false],
    ['POST', '/v1', false],
  ])('%s %s → %s', (method, path, expected) => expect(isAuditedWrite(method, path)).toBe(expected));
});

describe('targetOf', () => {
  it('takes the first route parameter, typed by the segment before it', () => {
    expect(targetOf({ pattern: '/v1/campaigns/:id/launch', params: { id: 'c1' } }, 'ignored')).toEqual({ targetType: 'campaigns', targetId: 'c1' });
    expect(targetOf({ pattern: '/v1/phone-numbers/:phoneNumberId/refresh', params: { phoneNumberId: '100' } }, undefined)).toEqual({ targetType: 'phone-numbers', targetId: '100' });
    expect(targetOf({ pattern: '/v1/eligibility/policy/overrides/:id', params: { id: '3' } }, undefined)).toEqual({ targetType: 'overrides', targetId: '3' });
  });

  it('names a create by its last segment and the id it answered with', () => {
    expect(targetOf({ pattern: '/v1/contacts/imports', params: {} }, 'u-1')).toEqual({ targetType: 'imports', targetId: 'u-1' });
    expect(targetOf({ pattern: '/v1/contacts', params: {} }, undefined)).toEqual({ targetType: 'contacts', targetId: null });
  });
});
