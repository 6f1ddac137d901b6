import { useEffect, useMemo, useState } from 'preact/hooks';
import { apiKey, setApiKey, UNAUTHORIZED_EVENT } from './api/client';
import { I18nContext, initialLanguage, type Language, makeI18n, saveLanguage } from './i18n';
import { SECTIONS } from './pages';
import { SignIn } from './pages/SignIn';
import { href, navigate, useRoute } from './router';

export function App() {
  const [language, setLanguage] = useState<Language>(initialLanguage());
  const [signedIn, setSignedIn] = useState(apiKey() !== null);
  const i18n = useMemo(
    () =>
      makeI18n(language, (l) => {
        saveLanguage(l);
        setLanguage(l);
      }),
    [language],
  );
  const { segments, query } = useRoute();

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  useEffect(() => {
    const out = () => {
      setApiKey(null);
      setSignedIn(false);
    };
    window.addEventListener(UNAUTHORIZED_EVENT, out);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, out);
  }, []);

  const { t } = i18n;
  const section = SECTIONS.find((s) => s.segment === segments[0]) ?? SECTIONS[0];
  const Section = section.component;
  return (
    <I18nContext.Provider value={i18n}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        {t('app.skip')}
      </a>
      <header class="top">
        <a class="brand" href={href('/campaigns')}>
          {t('app.title')}
        </a>
        {signedIn && (
          <nav aria-label="sections">
            {SECTIONS.map((s) => (
              <a href={href(`/${s.segment}`)} aria-current={s === section ? 'page' : undefined}>
                {t(s.label)}
              </a>
            ))}
          </nav>
        )}
        <div class="top-end">
          <label class="language">
            <span class="visually-hidden">{t('nav.language')}</span>
            <select value={language} onChange={(e) => i18n.setLanguage((e.target as HTMLSelectElement).value as Language)}>
              <option value="en">English</option>
              <option value="id">Bahasa Indonesia</option>
            </select>
          </label>
          {signedIn && (
            <button
              type="button"
              class="link"
              onClick={() => {
                setApiKey(null);
                setSignedIn(false);
                navigate('/campaigns');
              }}
            >
              {t('nav.signOut')}
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {signedIn ? <Section rest={segments.slice(1)} query={query} /> : <SignIn onSignedIn={() => setSignedIn(true)} />}
      </main>
    </I18nContext.Provider>
  );
}
