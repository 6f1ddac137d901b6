/**
 * Recognising an opt-out typed as a message.
 *
 * A message is an opt-out when, once normalised, it is one stop keyword (or that keyword
 * repeated: `STOP STOP`). Normalising removes what people and phones put around a word and never
 * changes the word itself:
 * - Unicode compatibility forms (NFKC): full-width `ＳＴＯＰ` is `STOP`;
 * - invisible format characters (Unicode category Cf: zero-width space, left-to-right and
 *   bidirectional marks, soft hyphen, byte order mark), which keyboards and copy-paste add
 *   unseen: `STOP\u200b` is `STOP`, `ST\u00adOP` is `STOP`; Hangul fillers (letters that show
 *   as nothing) count as blanks;
 * - a keyword spelt letter by letter: `S T O P`, `s.t.o.p`;
 * - diacritics: `NO MÁS` is `NO MAS` (keywords are compared without them);
 * - punctuation and symbols, including quotes (`“STOP”`), WhatsApp's formatting marks (`*STOP*`,
 *   `_STOP_`, `~STOP~`) and a hyphen (`OPT-OUT` is `OPT OUT`);
 * - emoji and their joiners and modifiers (`stop 🛑`);
 * - case and spacing.
 * A sentence that merely contains a keyword ("don't stop sending me deals") is not an opt-out:
 * the whole message must be the keyword.
 */

export type StopScope = 'marketing' | 'all';

export interface StopKeyword {
  keyword: string;
  scope: StopScope;
}

/**
 * The default keywords, configurable with WHATSAPP_STOP_KEYWORDS (`KEYWORD:marketing` limits one
 * to marketing; the others opt out of everything). Sources:
 * - English: the opt-out keywords US carriers and the CTIA handbook require for messaging
 *   programmes (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT), with REVOKE and OPTOUT which the
 *   FCC's 2024 revocation-of-consent order names as reasonable ways to revoke consent.
 * - WhatsApp Manager's own marketing opt-out quick-reply button ("Stop promotions"; Indonesian
 *   "Hentikan promosi"): a tap on a button whose payload was not set arrives with this text.
 * - Indonesian (BERHENTI, BERHENTI LANGGANAN, BERHENTI BERLANGGANAN, STOP LANGGANAN, BATAL
 *   LANGGANAN, UNREG: the SMS convention of Indonesian operators), Malay (HENTI, BERHENTI LANGGAN,
 *   BERHENTI MELANGGAN, NYAHLANGGAN), English's short UNSUB, Spanish (BAJA, DAR DE
 *   BAJA, DARME DE BAJA, CANCELAR, PARAR, DETENER, NO MAS, DESUSCRIBIR, DESUSCRIBIRME), Portuguese (PARAR, PARE, SAIR,
 *   CANCELAR, DESCADASTRAR): the words our users' customers type.
 */
export const DEFAULT_STOP_KEYWORDS = [
  'STOP',
  'STOPALL',
  'STOP ALL',
  'UNSUBSCRIBE',
  'UNSUB',
  'CANCEL',
  'END',
  'QUIT',
  'REVOKE',
  'OPTOUT',
  'OPT-OUT',
  'OPT OUT',
  'STOP PROMOTIONS:marketing',
  'HENTIKAN PROMOSI:marketing',
  'STOP PROMO:marketing',
  'STOP MARKETING:marketing',
  'BERHENTI PROMO:marketing',
  'BERHENTI PROMOSI:marketing',
  'BERHENTI',
  'BERHENTI LANGGANAN',
  'BERHENTI BERLANGGANAN',
  'STOP LANGGANAN',
  'BATAL LANGGANAN',
  'UNREG',
  'HENTI',
  'BERHENTI LANGGAN',
  'BERHENTI MELANGGAN',
  'NYAHLANGGAN',
  'BAJA',
  'DAR DE BAJA',
  'DARME DE BAJA',
  'CANCELAR',
  'PARAR',
  'DETENER',
  'NO MÁS',
  'PARE',
  'SAIR',
  'DESCADASTRAR',
  'DESUSCRIBIR',
  'DESUSCRIBIRME',
].join(',');

// Emoji, and what joins or modifies them: ZWJ, variation selectors, keycap, skin tones, flags, tags.
const EMOJI = /[\p{Extended_Pictographic}\u200d\ufe0e\ufe0f\u20e3\u{1f3fb}-\u{1f3ff}\u{1f1e6}-\u{1f1ff}\u{e0020}-\u{e007f}]/gu;
const MARKS = /\p{M}/gu;
// Invisible format characters (zero-width space, LRM/RLM, bidi embeddings and isolates, soft
// hyphen, BOM, word joiner): removed, not turned into a space, so that one inside a word keeps it whole.
const FORMAT = /\p{Cf}/gu;
// Letters that show as nothing and that people type as blanks (Hangul fillers): spaces.
const BLANK_LETTERS = /[\u115f\u1160\u3164\uffa0]/gu;
// Punctuation and symbols (quotes, *, _, ~, -, ., !, ?, …): separators, never part of a keyword.
const SEPARATORS = /[\p{P}\p{S}]/gu;

/** The form in which messages and keywords are compared. */
export function normaliseForKeyword(text: string): string {
  return text
    .normalize('NFKC')
    .replace(EMOJI, ' ')
    .replace(FORMAT, '')
    .replace(BLANK_LETTERS, ' ')
    .normalize('NFD')
    .replace(MARKS, '')
    .replace(SEPARATORS, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toUpperCase();
}

/** Parses WHATSAPP_STOP_KEYWORDS: comma-separated, each optionally `:marketing`. */
export function parseStopKeywords(value: string): StopKeyword[] {
  const keywords: StopKeyword[] = [];
  for (const item of value.split(',')) {
    const colon = item.lastIndexOf(':');
    const scopeText = colon >= 0 ? item.slice(colon + 1).trim().toLowerCase() : '';
    const keyword = normaliseForKeyword(colon >= 0 && scopeText === 'marketing' ? item.slice(0, colon) : item);
    if (keyword) keywords.push({ keyword, scope: scopeText === 'marketing' ? 'marketing' : 'all' });
  }
  return keywords;
}

/** WhatsApp's limit for a text message body (Cloud API reference, text object: 4,096 characters). */
const MAX_TEXT = 4096;
/** A normalised text longer than this is a sentence, not a keyword said a few times. */
const MAX_KEYWORDS_TEXT = 200;

/** Matches messages against a keyword list; built once (per worker), used for every message. */
export class StopKeywordMatcher {
  private readonly byKeyword = new Map<string, StopScope>();

  constructor(keywords: readonly StopKeyword[]) {
    for (const { keyword, scope } of keywords) {
      // Listed twice with different scopes: the wider one wins (an opt-out is never narrowed).
      if (this.byKeyword.get(keyword) !== 'all') this.byKeyword.set(keyword, scope);
    }
  }

  /**
   * The scope the message opts out of, or undefined when it is not a stop keyword. The length is
   * judged after normalising (`STOP` followed by 300 spaces is `STOP`); a text longer than
   * WhatsApp's 4,096-character limit for a text body is not read at all.
   */
  match(text: string | null | undefined): StopScope | undefined {
    if (!text || text.length > MAX_TEXT) return undefined;
    const normalised = normaliseForKeyword(text);
    if (!normalised || normalised.length > MAX_KEYWORDS_TEXT) return undefined;
    const exact = this.byKeyword.get(normalised);
    if (exact) return exact;
    // A word spelt out letter by letter ("S T O P", "s.t.o.p").
    if (/^\S( \S)+$/u.test(normalised)) {
      const joined = this.byKeyword.get(normalised.replace(/ /g, ''));
      if (joined) return joined;
    }
    // The same keyword said more than once ("STOP STOP", "stop stop stop").
    const words = normalised.split(' ');
    for (let size = 1; size <= words.length / 2; size++) {
      if (words.length % size !== 0) continue;
      const keyword = words.slice(0, size).join(' ');
      const scope = this.byKeyword.get(keyword);
      if (!scope) continue;
      let repeated = true;
      for (let i = size; i < words.length && repeated; i += size) repeated = words.slice(i, i + size).join(' ') === keyword;
      if (repeated) return scope;
    }
    return undefined;
  }
}
