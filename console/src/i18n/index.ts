import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { en, type MessageKey } from './en';
import { id } from './id';

export type { MessageKey } from './en';
export const LANGUAGES = { en, id } as const;
export type Language = keyof typeof LANGUAGES;

const STORAGE = 'siaran.language';

/** The language chosen before, else the browser's (Indonesian for id-*), else English. */
export function initialLanguage(): Language {
  const saved = localStorage.getItem(STORAGE);
  if (saved === 'en' || saved === 'id') return saved;
  return navigator.language.toLowerCase().startsWith('id') ? 'id' : 'en';
}

export function saveLanguage(language: Language): void {
  localStorage.setItem(STORAGE, language);
  document.documentElement.lang = language;
}

export interface I18n {
  language: Language;
  /** The string for `key` in the current language, `{name}` replaced from `vars`. */
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  /** A number as the language writes it (1.234 in Indonesian, 1,234 in English). */
  n: (value: number, options?: Intl.NumberFormatOptions) => string;
  /** A date-time in the browser's zone, as the language writes it. */
  dt: (iso: string | null | undefined) => string;
  setLanguage: (language: Language) => void;
}

export function makeI18n(language: Language, setLanguage: (language: Language) => void): I18n {
  const strings = LANGUAGES[language];
  const locale = language === 'id' ? 'id-ID' : 'en-US';
  const numbers = new Intl.NumberFormat(locale);
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
  return {
    language,
    setLanguage,
    t: (key, vars) => strings[key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars?.[name] ?? `{${name}}`)),
    n: (value, options) => (options ? new Intl.NumberFormat(locale, options).format(value) : numbers.format(value)),
    dt: (iso) => (iso ? dates.format(new Date(iso)) : '—'),
  };
}

export const I18nContext = createContext<I18n>(makeI18n('en', () => undefined));

export function useI18n(): I18n {
  return useContext(I18nContext);
}
