import { useState } from 'preact/hooks';
import { api, ApiError, ok } from '../../api/client';
import { ErrorBanner, Field, Loading, Page, Pager, useLoad } from '../../components/ui';
import { type MessageKey, useI18n } from '../../i18n';
import { href } from '../../router';
import { ConsentBadge } from './consent';

/** The filters GET /v1/contacts and GET /v1/contacts/count take (ContactFilterQuery), as the form holds them. */
interface Filters {
  q: string;
  tags: string;
  country: string;
  consent: string;
  attribute: string;
}

const EMPTY: Filters = { q: '', tags: '', country: '', consent: '', attribute: '' };
const CONSENT_FILTERS = ['', 'marketing:opted_in', 'marketing:opted_out', 'marketing:none', 'utility:opted_in', 'utility:opted_out', 'utility:none'];

/** The query of the filters: tags comma-separated (every one must match), one attribute as key=value. */
function filterQuery(f: Filters) {
  const tag = f.tags
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const [key, ...value] = f.attribute.split('=');
  return {
    ...(f.q.trim() ? { q: f.q.trim() } : {}),
    ...(tag.length ? { tag } : {}),
    ...(f.country.trim() ? { country: f.country.trim() } : {}),
    ...(f.consent ? { consent: f.consent } : {}),
    ...(key.trim() && value.length ? { attributes: { [key.trim()]: value.join('=').trim() } } : {}),
  };
}

/**
 * Contacts, filtered (name text, tags, country, consent, one attribute) with their count, in keyset
 * pages. The filters apply when the form is submitted; the count uses the same ones.
 */
export function ContactList() {
  const { t, n, dt } = useI18n();
  const [form, setForm] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [cursor, setCursor] = useState<string | null>(null);
  const query = filterQuery(filters);
  const key = JSON.stringify(query);
  const page = useLoad(() => ok(api.GET('/v1/contacts', { params: { query: { ...query, limit: 25, ...(cursor ? { cursor } : {}) } } })), [key, cursor]);
  const count = useLoad(() => ok(api.GET('/v1/contacts/count', { params: { query } })), [key]);

  const problems = page.error instanceof ApiError ? page.error.problems() : [];
  const problemAt = (field: string) => problems.find((p) => p.field === field || p.field.startsWith(`${field}.`))?.message;
  const set = (name: keyof Filters) => (e: Event) => setForm({ ...form, [name]: (e.target as HTMLInputElement | HTMLSelectElement).value });

  return (
    <Page
      title={t('nav.contacts')}
      actions={
        <a class="button primary" href={href('/contacts/import')}>
          {t('contacts.importCsv')}
        </a>
      }
    >
      <form
        class="card"
        role="search"
        aria-label={t('contacts.filters')}
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(form);
          setCursor(null);
        }}
      >
        <div class="grid">
          <Field id="ct-q" label={t('contacts.search')} hint={t('contacts.searchHint')} error={problemAt('q')}>
            <input id="ct-q" type="search" maxLength={100} value={form.q} onInput={set('q')} />
          </Field>
          <Field id="ct-tags" label={t('contacts.tags')} hint={t('contacts.tagsHint')} error={problemAt('tag')}>
            <input id="ct-tags" value={form.tags} onInput={set('tags')} />
          </Field>
          <Field id="ct-country" label={t('contacts.country')} hint="ID, MY" error={problemAt('country')}>
            <input id="ct-country" maxLength={2} value={form.country} onInput={set('country')} />
          </Field>
          <Field id="ct-consent" label={t('contacts.consentFilter')} error={problemAt('consent')}>
            <select id="ct-consent" value={form.consent} onChange={set('consent')}>
              {CONSENT_FILTERS.map((c) => (
                <option key={c} value={c}>
                  {c ? t(`contacts.consentFilter.${c.replace(':', '.')}` as MessageKey) : t('common.all')}
                </option>
              ))}
            </select>
          </Field>
          <Field id="ct-attribute" label={t('contacts.attribute')} hint="city=Jakarta" error={problemAt('attributes')}>
            <input id="ct-attribute" value={form.attribute} onInput={set('attribute')} />
          </Field>
        </div>
        <div class="actions">
          <button type="submit" class="primary">
            {t('common.search')}
          </button>
          <button
            type="button"
            onClick={() => {
              setForm(EMPTY);
              setFilters(EMPTY);
              setCursor(null);
            }}
          >
            {t('contacts.clearFilters')}
          </button>
        </div>
      </form>
      <p class="audience-size" role="status" aria-live="polite">
        {count.data ? t('contacts.count', { count: n(count.data.count) }) : '\u00a0'}
      </p>
      <ErrorBanner error={page.error} onRetry={page.reload} />
      {page.loading && !page.data && <Loading />}
      {page.data && page.data.data.length === 0 && <p class="muted">{t('contacts.none')}</p>}
      {page.data && page.data.data.length > 0 && (
        <div class="table-wrap">
          <table aria-label={t('nav.contacts')}>
            <thead>
              <tr>
                <th>{t('contacts.name')}</th>
                <th>{t('contacts.phone')}</th>
                <th>{t('contacts.country')}</th>
                <th>{t('contacts.tags')}</th>
                <th>{t('contacts.scope.marketing')}</th>
                <th>{t('contacts.scope.utility')}</th>
                <th>{t('contacts.created')}</th>
              </tr>
            </thead>
            <tbody>
              {page.data.data.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={href(`/contacts/${c.id}`)}>{c.name ?? t('contacts.noName', { id: c.id })}</a>
                  </td>
                  <td>{c.phone ?? c.bsuid ?? '—'}</td>
                  <td>{c.country ?? '—'}</td>
                  <td>{c.tags.join(', ') || '—'}</td>
                  <td>
                    <ConsentBadge consent={c.consent.marketing} />
                  </td>
                  <td>
                    <ConsentBadge consent={c.consent.utility} />
                  </td>
                  <td>{dt(c.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.data && <Pager cursor={cursor} next={page.data.nextCursor} onFirst={() => setCursor(null)} onNext={setCursor} />}
    </Page>
  );
}
