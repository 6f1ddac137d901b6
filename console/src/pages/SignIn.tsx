import { useState } from 'preact/hooks';
import { api, ApiError, ok, setApiKey } from '../api/client';
import { Field } from '../components/ui';
import { useI18n } from '../i18n';

/** Signs in with an API key: checked with one read of the API before it is kept for the session. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const { t } = useI18n();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setApiKey(key.trim());
    try {
      await ok(api.GET('/v1/campaigns', { params: { query: { limit: 1 } } }));
      onSignedIn();
    } catch (e) {
      setApiKey(null);
      setError(e instanceof ApiError && e.status === 401 ? t('signIn.invalid') : String((e as Error).message));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in">
      <h1>{t('app.title')}</h1>
      <p class="muted">{t('app.tagline')}</p>
      <form onSubmit={submit} aria-label={t('signIn.title')}>
        <Field id="api-key" label={t('signIn.key')} hint={t('signIn.keyHint')} error={error}>
          <input
            id="api-key"
            name="apiKey"
            type="password"
            autocomplete="off"
            required
            value={key}
            onInput={(e) => setKey((e.target as HTMLInputElement).value)}
            aria-describedby="api-key-hint"
          />
        </Field>
        <button type="submit" class="primary" disabled={busy || !key.trim()}>
          {t('signIn.submit')}
        </button>
      </form>
    </main>
  );
}
