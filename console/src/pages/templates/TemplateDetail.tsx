import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, ok, type Schemas } from '../../api/client';
import { ErrorBanner, Field, Loading, Page, useLoad, usePoll } from '../../components/ui';
import { type MessageKey, useI18n } from '../../i18n';
import { href } from '../../router';
import { Bubble, TemplateQuality, TemplateStatus } from './status';

type Template = Schemas['TemplateView'];
type Preview = Schemas['PreviewResultView'];

/** Statuses WhatsApp has yet to decide: the page reads the template again every second. */
const UNDECIDED = ['PENDING', 'IN_APPEAL', 'PENDING_DELETION'];

/**
 * One template: status, category, language and quality, its components, submission for review
 * (POST :id/submit, then read every second until WhatsApp decides), its history, and a preview for
 * a contact picked by search.
 */
export function TemplateDetail({ id }: { id: string }) {
  const { t, dt } = useI18n();
  const first = useLoad(() => ok(api.GET('/v1/templates/{id}', { params: { path: { id } } })), [id]);
  const [live, setLive] = useState<Template | undefined>();
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const template = live ?? first.data;
  const refresh = async () => setLive(await ok(api.GET('/v1/templates/{id}', { params: { path: { id } } })));
  usePoll(refresh, 1000, template !== undefined && UNDECIDED.includes(template.status));

  async function submit() {
    setBusy(true);
    setActionError(undefined);
    try {
      setLive(await ok(api.POST('/v1/templates/{id}/submit', { params: { path: { id } } })));
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  }

  if (first.error) return <ErrorBanner error={first.error} onRetry={first.reload} />;
  if (!template) return <Loading />;
  return (
    <Page
      title={template.name}
      actions={
        <>
          {template.status === 'DRAFT' && (
            <button type="button" class="primary" disabled={busy} onClick={submit}>
              {t('templates.submit')}
            </button>
          )}
          <a class="button" href={href('/templates')}>
            {t('common.back')}
          </a>
        </>
      }
    >
      <ErrorBanner error={actionError} />
      <section class="card" aria-labelledby="template-facts">
        <h2 id="template-facts">{t('templates.about')}</h2>
        <dl class="facts">
          <dt>{t('templates.statusLabel')}</dt>
          <dd role="status" aria-live="polite">
            <TemplateStatus status={template.status} reason={template.rejectionReason} />
            {UNDECIDED.includes(template.status) && <small class="muted"> {t('templates.waiting')}</small>}
          </dd>
          <dt>{t('templates.category')}</dt>
          <dd>{t(`templates.category.${template.category}` as MessageKey)}</dd>
          <dt>{t('templates.language')}</dt>
          <dd>{template.language}</dd>
          <dt>{t('templates.qualityLabel')}</dt>
          <dd>
            <TemplateQuality quality={template.qualityScore} />
          </dd>
          <dt>{t('templates.submitted')}</dt>
          <dd>{dt(template.submittedAt)}</dd>
          <dt>{t('templates.parameters')}</dt>
          <dd>{template.parameters.map((p) => p.key).join(', ') || '—'}</dd>
        </dl>
        <details>
          <summary>{t('templates.components')}</summary>
          <pre class="sql">{JSON.stringify(template.components, null, 2)}</pre>
        </details>
      </section>
      <PreviewPanel template={template} />
      {template.history && template.history.length > 0 && (
        <section class="card" aria-labelledby="template-history">
          <h2 id="template-history">{t('templates.history')}</h2>
          <div class="table-wrap">
            <table aria-labelledby="template-history">
              <thead>
                <tr>
                  <th>{t('templates.change')}</th>
                  <th>{t('templates.fromTo')}</th>
                  <th>{t('templates.source')}</th>
                  <th>{t('templates.when')}</th>
                </tr>
              </thead>
              <tbody>
                {template.history.map((h, i) => (
                  <tr key={i}>
                    <td>{h.change}</td>
                    <td>
                      {h.fromValue ?? '—'} → {h.toValue ?? '—'}
                      {h.reason && <small class="muted"> {h.reason}</small>}
                    </td>
                    <td>{h.source}</td>
                    <td>{dt(h.occurredAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </Page>
  );
}

/**
 * The preview (POST /v1/templates/:id/preview): a contact found by name or phone, one binding
 * expression per parameter (`{{name}}`, `{{attributes.city}}`, or JSON for a media or currency
 * parameter), and the message as the contact would read it, or that contact's problems.
 */
function PreviewPanel({ template }: { template: Template }) {
  const { t } = useI18n();
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<Array<Schemas['ContactView']>>([]);
  const [contactId, setContactId] = useState('');
  const [binding, setBinding] = useState<Record<string, string>>({});
  const [result, setResult] = useState<Preview | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  // Contacts matching the search (a phone when it has digits only, else a name), 300 ms after the last key.
  useEffect(() => {
    let live = true;
    const text = search.trim();
    const timer = setTimeout(() => {
      const query = /^\+?[\d\s-]{6,}$/.test(text) ? { phone: text, defaultCountry: 'ID' } : text ? { q: text } : {};
      ok(api.GET('/v1/contacts', { params: { query: { ...query, limit: 20 } } })).then(
        (page) => {
          if (!live) return;
          setFound(page.data);
          setContactId((current) => (page.data.some((c) => c.id === current) ? current : (page.data[0]?.id ?? '')));
        },
        () => live && setFound([]),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [search]);

  const problems = error instanceof ApiError && error.code === 'TEMPLATE_BINDING_INVALID' ? ((error.details as { problems?: Array<{ parameter: string; message: string }> })?.problems ?? []) : [];
  const problemAt = (key: string) =>
    [...problems.filter((p) => p.parameter === key), ...(result?.problems ?? []).filter((p) => p.parameter === key)].map((p) => p.message).join('; ') || undefined;

  async function preview(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const values = Object.fromEntries(template.parameters.filter((p) => binding[p.key]?.trim()).map((p) => [p.key, bindingValue(binding[p.key])]));
      setResult(await ok(api.POST('/v1/templates/{id}/preview', { params: { path: { id: template.id } }, body: { binding: values, contactId } })));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="template-preview">
      <h2 id="template-preview">{t('templates.preview')}</h2>
      <div class="template-editor">
        <form onSubmit={preview} aria-labelledby="template-preview">
          <Field id="p-search" label={t('templates.findContact')} hint={t('templates.findContactHint')}>
            <input id="p-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} autoComplete="off" />
          </Field>
          <Field id="p-contact" label={t('templates.contact')}>
            <select id="p-contact" required value={contactId} onChange={(e) => setContactId((e.target as HTMLSelectElement).value)}>
              {found.length === 0 && <option value="">{t('templates.noContact')}</option>}
              {found.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name ?? '—'} ({c.phone ?? c.id})
                </option>
              ))}
            </select>
          </Field>
          {template.parameters.length > 0 && (
            <fieldset>
              <legend>{t('templates.binding')}</legend>
              <p class="hint">{t('templates.bindingHint')}</p>
              {template.parameters.map((p) => (
                <Field key={p.key} id={`p-binding-${p.key}`} label={`${p.key}${p.required ? ' *' : ''}`} error={problemAt(p.key)}>
                  <input
                    id={`p-binding-${p.key}`}
                    placeholder={p.kind === 'text' ? '{{name}}' : undefined}
                    value={binding[p.key] ?? ''}
                    onInput={(e) => setBinding({ ...binding, [p.key]: (e.target as HTMLInputElement).value })}
                  />
                </Field>
              ))}
            </fieldset>
          )}
          <ErrorBanner error={error} />
          <button type="submit" class="primary" disabled={busy || !contactId}>
            {t('templates.showPreview')}
          </button>
        </form>
        <div>
          {result?.ok && result.text && (
            <>
              <Bubble
                label={t('templates.previewFor')}
                header={result.text.header}
                body={result.text.body}
                footer={result.text.footer}
                buttons={result.text.buttons}
              />
              <details>
                <summary>{t('templates.payload', { endpoint: result.endpoint ?? 'messages' })}</summary>
                <pre class="sql">{JSON.stringify(result.payload, null, 2)}</pre>
              </details>
            </>
          )}
          {result && !result.ok && (
            <div class="banner error" role="alert">
              <span>
                {t('templates.cannotRender')}{' '}
                {(result.problems ?? []).map((p) => `${p.parameter}: ${p.message}`).join('; ')}
              </span>
            </div>
          )}
        </div>
      </div>
    </section>
  );
}

/** A binding as typed: JSON when it starts with `{` (a media, currency or date binding), else a Handlebars expression. */
function bindingValue(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || trimmed.startsWith('{{')) return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}
