import { applyConsent, ConsentChange, ConsentState, coveredScopes, NO_CONSENT, outranks } from './consent';

const at = (iso: string) => new Date(iso);
const optIn = (scope: ConsentChange['scope'], time: string | null): ConsentChange => ({
  kind: 'opt_in',
  scope,
  effectiveAt: time ? at(time) : null,
});
const optOut = (scope: ConsentChange['scope'], time: string): ConsentChange => ({ kind: 'opt_out', scope, effectiveAt: at(time) });
const fold = (changes: ConsentChange[]) => changes.reduce(applyConsent, NO_CONSENT);

describe('consent rules', () => {
  it('an opt-in with no state decides', () => {
    expect(fold([optIn('marketing', '2025-01-01T00:00:00Z')]).marketing).toEqual({
      status: 'opted_in',
      since: at('2025-01-01T00:00:00Z'),
    });
  });

  it('an opt-in that occurred before a recorded opt-out never reinstates', () => {
    const state = fold([optOut('marketing', '2025-02-01T00:00:00Z'), optIn('marketing', '2025-01-15T00:00:00Z')]);
    expect(state.marketing.status).toBe('opted_out');
  });

  it('a later opt-in reinstates', () => {
    const state = fold([optOut('marketing', '2025-02-01T00:00:00Z'), optIn('marketing', '2025-03-01T00:00:00Z')]);
    expect(state.marketing).toEqual({ status: 'opted_in', since: at('2025-03-01T00:00:00Z') });
  });

  it('at equal times the opt-out wins, in either order', () => {
    const t = '2025-02-01T00:00:00Z';
    expect(fold([optIn('marketing', t), optOut('marketing', t)]).marketing.status).toBe('opted_out');
    expect(fold([optOut('marketing', t), optIn('marketing', t)]).marketing.status).toBe('opted_out');
  });

  it('an undated opt-in applies only where nothing is known, and never over an opt-out', () => {
    expect(fold([optIn('marketing', null)]).marketing).toEqual({ status: 'opted_in', since: null });
    expect(fold([optOut('marketing', '2020-01-01T00:00:00Z'), optIn('marketing', null)]).marketing.status).toBe('opted_out');
    // a dated opt-out after an undated opt-in wins, whatever its date
    expect(fold([optIn('marketing', null), optOut('marketing', '2000-01-01T00:00:00Z')]).marketing.status).toBe('opted_out');
  });

  it('opt-out of all covers every scope; opt-in of one scope touches only it', () => {
    const state = fold([optIn('all', '2025-01-01T00:00:00Z'), optOut('all', '2025-02-01T00:00:00Z'), optIn('utility', '2025-03-01T00:00:00Z')]);
    expect(state.marketing.status).toBe('opted_out');
    expect(state.utility.status).toBe('opted_in');
    expect(coveredScopes('all')).toEqual(['marketing', 'utility']);
  });

  it('an opt-out must be dated', () => {
    expect(() => outranks({ kind: 'opt_out', effectiveAt: null }, { status: 'opted_in', since: null })).toThrow();
  });

  it('the state does not depend on the order events are recorded in', () => {
    // Deterministic pseudo-random event sets, each folded in several orders.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const scopes = ['marketing', 'utility', 'all'] as const;
    for (let trial = 0; trial < 300; trial++) {
      const events: ConsentChange[] = Array.from({ length: 1 + Math.floor(random() * 6) }, () => {
        const scope = scopes[Math.floor(random() * 3)];
        const day = `2025-01-0${1 + Math.floor(random() * 4)}T00:00:00Z`;
        if (random() < 0.5) return optOut(scope, day);
        return optIn(scope, random() < 0.3 ? null : day);
      });
      const expected: ConsentState = fold(events);
      for (let k = 0; k < 5; k++) {
        const shuffled = [...events].sort(() => random() - 0.5);
        expect(fold(shuffled)).toEqual(expected);
      }
    }
  });
});
