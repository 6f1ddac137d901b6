import { CloudApiError } from '../whatsapp/cloud-api.error';
import { WhatsappNotConfiguredError } from '../whatsapp/whatsapp-settings';
import { backoff, judgeFailure, MAX_PAIR_RATE_ATTEMPTS, MAX_TRANSIENT_ATTEMPTS, parseRecipientCallbackData, recipientCallbackData } from './send-outcome';

const graph = (code: number, httpStatus = 400) => CloudApiError.fromAnswer('send', httpStatus, { error: { message: `error ${code}`, code, fbtrace_id: 'x' } });
const half = () => 0.5;

describe('judgeFailure: one action per error class', () => {
  it('transient Graph errors go back to pending with a growing backoff, then fail with their code', () => {
    const first = judgeFailure(graph(131000, 500), 1, half);
    expect(first.outcome).toMatchObject({ state: 'pending', code: 131000, counted: true });
    const third = judgeFailure(graph(131000, 500), 3, half);
    expect((third.outcome as { delayMs: number }).delayMs).toBeGreaterThan((first.outcome as { delayMs: number }).delayMs);
    expect(judgeFailure(graph(131000, 500), MAX_TRANSIENT_ATTEMPTS, half).outcome).toMatchObject({ state: 'failed', code: 131000 });
  });

  it('130429 also slows the number down', () => {
    expect(judgeFailure(graph(130429), 1, half)).toMatchObject({ outcome: { state: 'pending' }, slowDown: true });
  });

  it('a request that may have reached WhatsApp is unknown, never retried by itself', () => {
    expect(judgeFailure(CloudApiError.fromTransport('send', new Error('socket hang up'), true), 1, half).outcome).toMatchObject({ state: 'unknown' });
    expect(judgeFailure(CloudApiError.fromAnswer('send', 503, 'Service Unavailable'), 1, half).outcome).toMatchObject({ state: 'unknown' });
    expect(judgeFailure(new TypeError('bug after the call'), 1, half).outcome).toMatchObject({ state: 'unknown' });
    // Not written at all: safe to send again.
    expect(judgeFailure(CloudApiError.fromTransport('send', new Error('ECONNREFUSED'), false), 1, half).outcome).toMatchObject({ state: 'pending' });
  });

  it('131056 delays that recipient by seconds, then fails it', () => {
    const verdict = judgeFailure(graph(131056), 1, () => 1);
    expect(verdict.outcome).toMatchObject({ state: 'pending', delayMs: 6000 });
    expect(verdict.stop).toBeUndefined();
    expect(judgeFailure(graph(131056), MAX_PAIR_RATE_ATTEMPTS, half).outcome).toMatchObject({ state: 'failed', code: 131056 });
  });

  it('permanent and per-user-cap codes fail the recipient; 131050 also records an opt-out', () => {
    expect(judgeFailure(graph(131026), 1, half)).toEqual({ outcome: expect.objectContaining({ state: 'failed', code: 131026 }) });
    expect(judgeFailure(graph(131049), 1, half).outcome).toMatchObject({ state: 'failed', code: 131049 });
    expect(judgeFailure(graph(131050), 1, half)).toMatchObject({ outcome: { state: 'failed' }, optOut: true });
    expect(judgeFailure(graph(132000), 1, half).outcome).toMatchObject({ state: 'failed', code: 132000 });
  });

  it('stop-class codes hold the recipient (not failed, attempt not counted) and pause the campaign or the number', () => {
    expect(judgeFailure(graph(131048), 1, half)).toMatchObject({ outcome: { state: 'pending', counted: false, delayMs: 0 }, stop: { scope: 'number', reason: 'whatsapp_131048' } });
    expect(judgeFailure(graph(190, 401), 1, half).stop).toEqual({ scope: 'number', reason: 'whatsapp_190' });
    expect(judgeFailure(graph(132015), 1, half).stop).toEqual({ scope: 'campaign', reason: 'whatsapp_132015' });
    expect(judgeFailure(new WhatsappNotConfiguredError('send', ['WHATSAPP_ACCESS_TOKEN']), 1, half)).toMatchObject({
      outcome: { state: 'pending', counted: false },
      stop: { scope: 'number', reason: 'WHATSAPP_NOT_CONFIGURED' },
    });
  });

  it('backoff has full jitter under a cap, never below 100 ms', () => {
    expect(backoff(1000, 5000, 10, () => 1)).toBe(5000);
    expect(backoff(1000, 5000, 1, () => 0)).toBe(100);
    expect(backoff(1000, 60_000, 3, () => 1)).toBe(4000);
  });
});

describe('recipient callback data', () => {
  it('round-trips the campaign and contact ids and ignores anything else', () => {
    const data = recipientCallbackData('0b9f3a2e-6c1d-4e8f-9a7b-1c2d3e4f5a6b', '12345');
    expect(data.length).toBeLessThanOrEqual(512);
    expect(parseRecipientCallbackData(data)).toEqual({ campaignId: '0b9f3a2e-6c1d-4e8f-9a7b-1c2d3e4f5a6b', contactId: '12345' });
    for (const other of [null, undefined, '', 'test:reply:1', 'siaran:1:not-a-uuid:1', `${data}x`, 'siaran:2:0b9f3a2e-6c1d-4e8f-9a7b-1c2d3e4f5a6b:1']) {
      expect(parseRecipientCallbackData(other)).toBeUndefined();
    }
  });
});
