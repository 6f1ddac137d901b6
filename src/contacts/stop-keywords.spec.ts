import { DEFAULT_STOP_KEYWORDS, normaliseForKeyword, parseStopKeywords, StopKeywordMatcher } from './stop-keywords';

const matcher = new StopKeywordMatcher(parseStopKeywords(DEFAULT_STOP_KEYWORDS));

describe('stop keywords', () => {
  it.each([
    'STOP',
    'stop',
    '  Stop  ',
    'Stop.',
    'STOP!',
    'STOP!!!',
    '*STOP*',
    '_stop_',
    '~STOP~',
    '"STOP"',
    '“STOP”',
    "'stop'",
    'ＳＴＯＰ',
    'stop 🛑',
    '🛑 STOP 🛑',
    'STOP 👋🏽',
    'STOP STOP',
    'stop stop stop',
    'Berhenti.',
    'berhenti langganan',
    'Unsubscribe',
    'opt-out',
    'Opt out',
    'OPTOUT',
    'STOPALL',
    'revoke',
    'UNREG',
    'Nyahlanggan',
    'Baja',
    'darme de baja',
    'No más',
    'NO MAS',
    'Parar',
    'Descadastrar',
    // Invisible format characters (Cf), before, after and inside the word.
    'STOP\u200b',
    '\u200bSTOP',
    'STOP\u200e',
    '\u2066STOP\u2069',
    'STOP\u00ad',
    'ST\u00adOP',
    '\ufeffStop',
    'STOP\u2060',
    // Length judged after normalising.
    `STOP${' '.repeat(300)}`,
    `${'\u200b'.repeat(250)}stop`,
    'stop langganan',
    'Berhenti berlangganan',
    'berhenti melanggan',
    'unsub',
    'STOP\u3164',
    'S T O P',
    's.t.o.p',
    'Desuscribir',
  ])('%j opts out of everything', (text) => {
    expect(matcher.match(text)).toBe('all');
  });

  it.each(['Stop promotions', 'Hentikan promosi', 'STOP PROMO', 'stop promo!'])('%j opts out of marketing', (text) => {
    expect(matcher.match(text)).toBe('marketing');
  });

  it.each([
    "don't stop sending me deals",
    'please stop',
    'stop by the shop tomorrow',
    'STOP BERHENTI',
    'STOPS',
    'bus stop',
    'STOP STOP no',
    `${'stop '.repeat(50)}please`,
    'S'.repeat(5000),
    `STOP${' '.repeat(5000)}`,
    'S T O P S',
    'a b c',
    '',
    '🛑',
    '...',
    null,
    undefined,
  ])('%j is not an opt-out', (text) => {
    expect(matcher.match(text)).toBeUndefined();
  });

  it('normalises without changing the word', () => {
    expect(normaliseForKeyword('  *ＯＰＴ-ＯＵＴ*! ')).toBe('OPT OUT');
    expect(normaliseForKeyword('«Parar»')).toBe('PARAR');
  });

  it('parses a configured list: scopes, spacing, case, and the wider scope wins a duplicate', () => {
    const parsed = parseStopKeywords(' stop ,Stop Promo:marketing, halt:MARKETING,STOP:marketing');
    expect(parsed).toEqual([
      { keyword: 'STOP', scope: 'all' },
      { keyword: 'STOP PROMO', scope: 'marketing' },
      { keyword: 'HALT', scope: 'marketing' },
      { keyword: 'STOP', scope: 'marketing' },
    ]);
    expect(new StopKeywordMatcher(parsed).match('stop')).toBe('all');
  });
});
