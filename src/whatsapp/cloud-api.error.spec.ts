import { answerDelivery, CloudApiError, graphError } from './cloud-api.error';

describe('answerDelivery', () => {
  it.each([
    [400, true, 'not_sent'],
    [500, true, 'not_sent'],
    [429, false, 'not_sent'],
    [404, false, 'not_sent'],
    [500, false, 'unknown'],
    [502, false, 'unknown'],
    [504, false, 'unknown'],
  ] as const)('HTTP %i with a Graph body: %s -> %s', (status, fromGraph, delivery) => {
    expect(answerDelivery(status, fromGraph)).toBe(delivery);
  });
});

describe('graphError', () => {
  it('reads the fields Siaran uses', () => {
    const body = {
      error: {
        message: '(#131056) Pair rate limit hit',
        type: 'OAuthException',
        code: 131056,
        error_subcode: 2494055,
        error_data: { messaging_product: 'whatsapp', details: 'Too many messages to this user' },
        fbtrace_id: 'AbC',
      },
    };
    expect(graphError(body)).toStrictEqual({
      message: '(#131056) Pair rate limit hit',
      code: 131056,
      error_subcode: 2494055,
      error_data: { details: 'Too many messages to this user' },
      fbtrace_id: 'AbC',
    });
  });

  it.each([
    ['no body', undefined],
    ['a string', '<html>Bad Gateway</html>'],
    ['an array', [{ error: { code: 1 } }]],
    ['no error object', { message: 'nope' }],
    ['a code that is not a number', { error: { message: 'x', code: '131056' } }],
  ])('is undefined for %s', (_label, body) => {
    expect(graphError(body)).toBeUndefined();
  });
});

describe('CloudApiError', () => {
  it('classifies a Graph answer by code and keeps its fields', () => {
    const error = CloudApiError.fromAnswer('send text', 400, { error: { message: 'Re-engagement message', code: 131047, fbtrace_id: 'T' } });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CloudApiError');
    expect(error).toMatchObject({ code: 131047, httpStatus: 400, fbtraceId: 'T', errorClass: 'permanent_recipient', delivery: 'not_sent' });
    expect(error.message).toBe('send text: Re-engagement message (code 131047, HTTP 400)');
  });

  it('scrubs the Graph message and details with the given redaction', () => {
    const body = { error: { message: 'bad token SECRET', code: 190, error_data: { details: 'SECRET expired' } } };
    const error = CloudApiError.fromAnswer('get phone number', 401, body, (text) => text.replaceAll('SECRET', '***'));
    expect(error.message).toBe('get phone number: bad token *** (code 190, HTTP 401)');
    expect(error.details).toBe('*** expired');
  });

  it('reports a transport failure by whether the request had been written', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const before = CloudApiError.fromTransport('send text', cause, false);
    expect(before).toMatchObject({ code: undefined, errorClass: 'transient', delivery: 'not_sent', cause });
    expect(before.message).toContain('ECONNREFUSED');

    const after = CloudApiError.fromTransport('send text', new Error('other side closed'), true);
    expect(after).toMatchObject({ errorClass: 'transient', delivery: 'unknown' });
  });
});
