import { useState } from 'preact/hooks';
import { api, ApiError, ok, raw, type Schemas } from '../../api/client';
import { Badge, DownloadButton, ErrorBanner, Field, Loading, Page, Pager, ProgressBar, useLoad, usePoll } from '../../components/ui';
import { type MessageKey, useI18n } from '../../i18n';
import { href, navigate } from '../../router';

type Import = Schemas['ImportView'];

/** The day/month formats the API reads (import-options.ts, README "CSV audience import"); '' leaves it out. */
const DATE_FORMATS = ['', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYY-MM-DD', 'DD/MM/YYYY HH:mm', 'MM/DD/YYYY HH:mm', 'YYYY-MM-DD HH:mm'];
/** The encodings an upload may name (IMPORT_ENCODINGS in src/imports/import-options.ts); '' lets the API detect UTF-8 or UTF-16. */
const ENCODINGS = ['', 'utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'iso-8859-1'];
const RUNNING = ['queued', 'running'];
const TONES: Record<string, 'neutral' | 'good' | 'warn' | 'bad'> = { queued: 'neutral', running: 'warn', completed: 'good', failed: 'bad' };

/**
 * Lines in a file (LF bytes, streamed: a large file is never held whole), minus the header: the
 * number of data rows, about (a quoted cell may hold a newline, an Excel file may start with
 * `sep=;`). Only for the progress bar; the counts are the API's.
 */
async function estimateRows(file: File): Promise<number> {
  const reader = file.stream().getReader();
  let lines = 0;
  let last = 10;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const byte of value) if (byte === 10) lines++;
    if (value.length) last = value[value.length - 1];
  }
  if (last !== 10) lines++; // the last line without its newline
  return Math.max(0, lines - 1);
}

/**
 * CSV audience upload (POST /v1/contacts/imports, multipart, through raw()): the file and the
 * options a person needs, the column mapping under "Advanced"; then the import's live progress
 * (GET /v1/contacts/imports/:id every 500 ms until completed or failed), its counts and its
 * rejected.csv and warnings.csv; and the recent imports. The import shown is in the route
 * (`?id=`), so a reload or a link keeps it.
 */
export function ContactImport({ importId }: { importId: string | null }) {
  const { t } = useI18n();
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const [file, setFile] = useState<File | null>(null);
  const [defaultCountry, setDefaultCountry] = useState('');
  const [tags, setTags] = useState('');
  const [optInScope, setOptInScope] = useState('marketing');
  const [timeZone, setTimeZone] = useState('');
  const [dateFormat, setDateFormat] = useState('');
  const [phoneColumn, setPhoneColumn] = useState('');
  const [encoding, setEncoding] = useState('');
  const [columns, setColumns] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [estimate, setEstimate] = useState<{ id: string; rows: number } | null>(null);
  const [listVersion, setListVersion] = useState(0);

  const problems = error instanceof ApiError ? error.problems() : [];
  const problemAt = (field: string) => problems.filter((p) => p.field === field).map((p) => p.message).join('; ') || undefined;
  const columnsError = columns.trim() && !isJsonObject(columns) ? t('contacts.import.columnsInvalid') : undefined;

  async function upload(e: Event) {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(undefined);
    try {
      // The options go before the file: the API reads the fields in order (encoding must come first).
      const form = new FormData();
      const fields: Array<[string, string]> = [
        ['defaultCountry', defaultCountry.trim()],
        ['tags', tags.trim()],
        ['optInScope', optInScope],
        ['timeZone', timeZone.trim()],
        ['dateFormat', dateFormat],
        ['phoneColumn', phoneColumn.trim()],
        ['encoding', encoding],
        ['columns', columns.trim()],
      ];
      for (const [name, value] of fields) if (value) form.append(name, value);
      form.append('file', file, file.name);
      const rows = estimateRows(file);
      const created = (await (await raw('/v1/contacts/imports', { method: 'POST', body: form })).json()) as Import;
      setEstimate({ id: created.id, rows: await rows });
      setListVersion((v) => v + 1);
      navigate(`/contacts/import?id=${created.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page
      title={t('contacts.import.title')}
      actions={
        <a class="button" href={href('/contacts')}>
          {t('common.back')}
        </a>
      }
    >
      <form class="card" onSubmit={upload} aria-label={t('contacts.import.title')}>
        <Field id="imp-file" label={t('contacts.import.file')} hint={t('contacts.import.fileHint')} error={problemAt('file')}>
          <input id="imp-file" type="file" accept=".csv,.tsv,.txt,text/csv" required onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
        </Field>
        <div class="grid">
          <Field id="imp-country" label={t('contacts.import.defaultCountry')} hint={t('contacts.import.defaultCountryHint')} error={problemAt('defaultCountry')}>
            <input id="imp-country" maxLength={2} placeholder="ID" value={defaultCountry} onInput={(e) => setDefaultCountry((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="imp-tags" label={t('contacts.import.tags')} hint={t('contacts.tagsHint')} error={problemAt('tags')}>
            <input id="imp-tags" value={tags} onInput={(e) => setTags((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="imp-scope" label={t('contacts.import.optInScope')} hint={t('contacts.import.optInScopeHint')} error={problemAt('optInScope')}>
            <select id="imp-scope" value={optInScope} onChange={(e) => setOptInScope((e.target as HTMLSelectElement).value)}>
              {(['marketing', 'utility', 'all'] as const).map((s) => (
                <option key={s} value={s}>
                  {t(`contacts.scope.${s}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field id="imp-zone" label={t('contacts.import.timeZone')} hint={t('contacts.import.timeZoneHint', { zone })} error={problemAt('timeZone')}>
            <input id="imp-zone" placeholder="Asia/Jakarta" value={timeZone} onInput={(e) => setTimeZone((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="imp-date" label={t('contacts.import.dateFormat')} hint={t('contacts.import.dateFormatHint')} error={problemAt('dateFormat')}>
            <select id="imp-date" value={dateFormat} onChange={(e) => setDateFormat((e.target as HTMLSelectElement).value)}>
              {DATE_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {f || t('contacts.import.isoOnly')}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <details>
          <summary>{t('contacts.import.advanced')}</summary>
          <div class="grid">
            <Field id="imp-phone" label={t('contacts.import.phoneColumn')} hint={t('contacts.import.phoneColumnHint')} error={problemAt('phoneColumn')}>
              <input id="imp-phone" value={phoneColumn} onInput={(e) => setPhoneColumn((e.target as HTMLInputElement).value)} />
            </Field>
            <Field id="imp-encoding" label={t('contacts.import.encoding')} error={problemAt('encoding')}>
              <select id="imp-encoding" value={encoding} onChange={(e) => setEncoding((e.target as HTMLSelectElement).value)}>
                {ENCODINGS.map((x) => (
                  <option key={x} value={x}>
                    {x || t('contacts.import.encodingAuto')}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <Field id="imp-columns" label={t('contacts.import.columns')} hint={t('contacts.import.columnsHint')} error={columnsError ?? problemAt('columns')}>
            <textarea id="imp-columns" placeholder='{"Nomor HP": "phone", "Nama Pelanggan": "name", "Setuju Promo": "opt_in"}' value={columns} onInput={(e) => setColumns((e.target as HTMLTextAreaElement).value)} />
          </Field>
        </details>
        <ErrorBanner error={error} />
        <button type="submit" class="primary" disabled={busy || !file || columnsError !== undefined}>
          {busy ? t('contacts.import.uploading') : t('contacts.import.upload')}
        </button>
      </form>
      {importId && <ImportProgress key={importId} id={importId} estimate={estimate?.id === importId ? estimate.rows : undefined} onFinished={() => setListVersion((v) => v + 1)} />}
      <RecentImports version={listVersion} current={importId} />
    </Page>
  );
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** One import, read every 500 ms while queued or running: the bar, the counts, then its two CSVs. */
function ImportProgress({ id, estimate, onFinished }: { id: string; estimate?: number; onFinished: () => void }) {
  const { t, n, dt } = useI18n();
  const first = useLoad(() => ok(api.GET('/v1/contacts/imports/{id}', { params: { path: { id } } })), [id]);
  const [live, setLive] = useState<Import | undefined>();
  const imp = live ?? first.data;
  usePoll(
    async () => {
      const next = await ok(api.GET('/v1/contacts/imports/{id}', { params: { path: { id } } }));
      setLive(next);
      if (!RUNNING.includes(next.status)) onFinished();
    },
    500,
    imp !== undefined && RUNNING.includes(imp.status),
  );

  if (first.error) return <ErrorBanner error={first.error} onRetry={first.reload} />;
  if (!imp) return <Loading />;
  const finished = !RUNNING.includes(imp.status);
  const total = finished ? imp.rowsRead : Math.max(estimate ?? 0, imp.rowsRead);
  const counts: Array<[MessageKey, number]> = [
    ['contacts.import.rowsRead', imp.rowsRead],
    ['contacts.import.inserted', imp.inserted],
    ['contacts.import.updated', imp.updated],
    ['contacts.import.unchanged', imp.unchanged],
    ['contacts.import.rejected', imp.rejected],
    ['contacts.import.warnings', imp.warnings],
    ['contacts.import.duplicates', imp.duplicates],
    ['contacts.import.consentEvents', imp.consentEvents],
  ];
  return (
    <section class="card" aria-labelledby="import-progress" data-import={imp.id}>
      <h2 id="import-progress">
        {t('contacts.import.progress', { file: imp.fileName ?? imp.id })} <Badge tone={TONES[imp.status]}>{t(`contacts.import.status.${imp.status}` as MessageKey)}</Badge>
      </h2>
      <ProgressBar value={imp.rowsRead} max={total} label={t('contacts.import.progress', { file: imp.fileName ?? imp.id })} />
      <p class="progress-line" role="status" aria-live="polite">
        {finished || !estimate ? t('contacts.import.read', { rows: n(imp.rowsRead) }) : t('contacts.import.readOf', { rows: n(imp.rowsRead), total: n(total) })}
      </p>
      <div class="table-wrap">
        <table aria-label={t('contacts.import.counts')} data-testid="import-counts">
          <tbody>
            {counts.map(([key, value]) => (
              <tr key={key} data-count={key.split('.').pop()}>
                <th scope="row">{t(key)}</th>
                <td class="num">{n(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl class="facts">
        <dt>{t('contacts.import.phoneColumn')}</dt>
        <dd>{imp.phoneColumn}</dd>
        <dt>{t('contacts.import.defaultCountry')}</dt>
        <dd>{imp.defaultCountry ?? '—'}</dd>
        <dt>{t('contacts.import.optInScope')}</dt>
        <dd>{t(`contacts.scope.${imp.optInScope}` as MessageKey)}</dd>
        <dt>{t('contacts.import.tags')}</dt>
        <dd>{imp.tags.join(', ') || '—'}</dd>
        <dt>{t('contacts.import.encoding')}</dt>
        <dd>{imp.encoding}</dd>
        <dt>{t('contacts.created')}</dt>
        <dd>{dt(imp.createdAt)}</dd>
        <dt>{t('contacts.import.finished')}</dt>
        <dd>{dt(imp.finishedAt)}</dd>
      </dl>
      {imp.error && (
        <div class="banner error" role="alert">
          {t('common.error', { code: imp.error.code, message: imp.error.message })}
          {imp.error.line !== null && ` (${t('contacts.import.line', { line: imp.error.line })})`}
        </div>
      )}
      {imp.status === 'completed' && (
        <div class="actions">
          <DownloadButton path={`/v1/contacts/imports/${imp.id}/rejected.csv`} fallbackName={`import-${imp.id}-rejected.csv`} label={t('contacts.import.downloadRejected', { count: n(imp.rejected) })} />
          <DownloadButton path={`/v1/contacts/imports/${imp.id}/warnings.csv`} fallbackName={`import-${imp.id}-warnings.csv`} label={t('contacts.import.downloadWarnings', { count: n(imp.warnings) })} />
        </div>
      )}
    </section>
  );
}

/** The latest imports, newest first; each opens its progress above. */
function RecentImports({ version, current }: { version: number; current: string | null }) {
  const { t, n, dt } = useI18n();
  const [cursor, setCursor] = useState<string | null>(null);
  const page = useLoad(() => ok(api.GET('/v1/contacts/imports', { params: { query: { limit: 10, ...(cursor ? { cursor } : {}) } } })), [cursor, version]);
  return (
    <section class="card" aria-labelledby="recent-imports">
      <h2 id="recent-imports">{t('contacts.import.recent')}</h2>
      <ErrorBanner error={page.error} onRetry={page.reload} />
      {page.loading && !page.data && <Loading />}
      {page.data && page.data.data.length === 0 && <p class="muted">{t('contacts.import.noneYet')}</p>}
      {page.data && page.data.data.length > 0 && (
        <div class="table-wrap">
          <table aria-labelledby="recent-imports">
            <thead>
              <tr>
                <th>{t('contacts.import.file')}</th>
                <th>{t('contacts.import.statusLabel')}</th>
                <th class="num">{t('contacts.import.rowsRead')}</th>
                <th class="num">{t('contacts.import.inserted')}</th>
                <th class="num">{t('contacts.import.rejected')}</th>
                <th>{t('contacts.created')}</th>
              </tr>
            </thead>
            <tbody>
              {page.data.data.map((i) => (
                <tr key={i.id}>
                  <td>
                    <a href={href(`/contacts/import?id=${i.id}`)} aria-current={i.id === current ? 'true' : undefined}>
                      {i.fileName ?? i.id}
                    </a>
                  </td>
                  <td>
                    <Badge tone={TONES[i.status]}>{t(`contacts.import.status.${i.status}` as MessageKey)}</Badge>
                  </td>
                  <td class="num">{n(i.rowsRead)}</td>
                  <td class="num">{n(i.inserted)}</td>
                  <td class="num">{n(i.rejected)}</td>
                  <td>{dt(i.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.data && <Pager cursor={cursor} next={page.data.nextCursor} onFirst={() => setCursor(null)} onNext={setCursor} />}
    </section>
  );
}
