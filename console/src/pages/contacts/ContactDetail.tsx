import { useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import { ErrorBanner, Loading, Page, Pager, useLoad } from '../../components/ui';
import { type MessageKey, useI18n } from '../../i18n';
import { href } from '../../router';
import { ConsentBadge } from './consent';

/**
 * One contact: its fields, attributes and tags; its WhatsApp identity (GET :id/identity: wa_id,
 * BSUID, earlier numbers and merges, open service windows); its consent now per scope and the
 * ledger behind it (GET :id/consents, oldest first, in pages), each event with its wording and
 * evidence.
 */
export function ContactDetail({ id }: { id: string }) {
  const { t, dt } = useI18n();
  const contact = useLoad(() => ok(api.GET('/v1/contacts/{id}', { params: { path: { id } } })), [id]);
  const identity = useLoad(() => ok(api.GET('/v1/contacts/{id}/identity', { params: { path: { id } } })), [id]);

  if (contact.error) return <ErrorBanner error={contact.error} onRetry={contact.reload} />;
  const c = contact.data;
  if (!c) return <Loading />;
  const attributes = Object.entries(c.attributes);
  return (
    <Page
      title={c.name ?? t('contacts.noName', { id: c.id })}
      actions={
        <a class="button" href={href('/contacts')}>
          {t('common.back')}
        </a>
      }
    >
      <section class="card" aria-labelledby="contact-fields">
        <h2 id="contact-fields">{t('contacts.fields')}</h2>
        <dl class="facts">
          <dt>{t('contacts.id')}</dt>
          <dd>{c.id}</dd>
          <dt>{t('contacts.phone')}</dt>
          <dd>{c.phone ?? '—'}</dd>
          <dt>{t('contacts.country')}</dt>
          <dd>{c.country ?? '—'}</dd>
          <dt>{t('contacts.tags')}</dt>
          <dd>{c.tags.length ? c.tags.map((tag) => <span class="badge" key={tag}>{tag}</span>) : '—'}</dd>
          <dt>{t('contacts.lastInbound')}</dt>
          <dd>{dt(c.lastInboundAt)}</dd>
          <dt>{t('contacts.created')}</dt>
          <dd>{dt(c.createdAt)}</dd>
          <dt>{t('contacts.updated')}</dt>
          <dd>{dt(c.updatedAt)}</dd>
        </dl>
        <h3>{t('contacts.attributes')}</h3>
        {attributes.length === 0 ? (
          <p class="muted">{t('common.none')}</p>
        ) : (
          <div class="table-wrap">
            <table aria-label={t('contacts.attributes')}>
              <tbody>
                {attributes.map(([key, value]) => (
                  <tr key={key}>
                    <th scope="row">{key}</th>
                    <td>{typeof value === 'string' ? value : JSON.stringify(value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="card" aria-labelledby="contact-consent">
        <h2 id="contact-consent">{t('contacts.consentNow')}</h2>
        <dl class="facts">
          {(['marketing', 'utility'] as const).map((scope) => (
            <>
              <dt key={`${scope}-dt`}>{t(`contacts.scope.${scope}`)}</dt>
              <dd key={`${scope}-dd`} data-scope={scope}>
                <ConsentBadge consent={c.consent[scope]} /> {c.consent[scope].since && <small class="muted">{t('contacts.since', { time: dt(c.consent[scope].since) })}</small>}
              </dd>
            </>
          ))}
        </dl>
        <ConsentLedger id={id} />
      </section>

      <section class="card" aria-labelledby="contact-identity">
        <h2 id="contact-identity">{t('contacts.identity')}</h2>
        <ErrorBanner error={identity.error} onRetry={identity.reload} />
        {identity.loading && !identity.data && <Loading />}
        {identity.data && (
          <>
            <dl class="facts">
              <dt>{t('contacts.waId')}</dt>
              <dd>{identity.data.waId ?? '—'}</dd>
              <dt>{t('contacts.bsuid')}</dt>
              <dd>{identity.data.bsuid ?? '—'}</dd>
            </dl>
            <h3>{t('contacts.windows')}</h3>
            {identity.data.windows.length === 0 ? (
              <p class="muted">{t('contacts.noWindow')}</p>
            ) : (
              <ul>
                {identity.data.windows.map((w) => (
                  <li key={w.phoneNumberId}>
                    {t('contacts.window', { number: w.phoneNumberId, last: dt(w.lastInboundAt), until: dt(w.openUntil) })}
                  </li>
                ))}
              </ul>
            )}
            <h3>{t('contacts.identityHistory')}</h3>
            {identity.data.history.length === 0 ? (
              <p class="muted">{t('common.none')}</p>
            ) : (
              <div class="table-wrap">
                <table aria-label={t('contacts.identityHistory')}>
                  <thead>
                    <tr>
                      <th>{t('contacts.change')}</th>
                      <th>{t('contacts.from')}</th>
                      <th>{t('contacts.to')}</th>
                      <th>{t('contacts.occurred')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {identity.data.history.map((h) => (
                      <tr key={h.id}>
                        <td>{t(`contacts.identityKind.${h.kind}` as MessageKey)}</td>
                        <td>{h.kind === 'merged' && h.fromValue ? <a href={href(`/contacts/${h.fromValue}`)}>{h.fromValue}</a> : (h.fromValue ?? '—')}</td>
                        <td>{h.toValue ?? '—'}</td>
                        <td>{dt(h.occurredAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </section>
    </Page>
  );
}

/** The consent ledger, oldest first, in keyset pages: what was agreed to or refused, how, when, and the words. */
function ConsentLedger({ id }: { id: string }) {
  const { t, dt } = useI18n();
  const [cursor, setCursor] = useState<string | null>(null);
  const ledger = useLoad(() => ok(api.GET('/v1/contacts/{id}/consents', { params: { path: { id }, query: cursor ? { cursor } : {} } })), [id, cursor]);
  return (
    <>
      <h3 id="consent-history">{t('contacts.consentHistory')}</h3>
      <ErrorBanner error={ledger.error} onRetry={ledger.reload} />
      {ledger.loading && !ledger.data && <Loading />}
      {ledger.data && ledger.data.data.length === 0 && <p class="muted">{t('contacts.noConsent')}</p>}
      {ledger.data && ledger.data.data.length > 0 && (
        <div class="table-wrap">
          <table aria-labelledby="consent-history">
            <thead>
              <tr>
                <th>{t('contacts.kind')}</th>
                <th>{t('contacts.scope')}</th>
                <th>{t('contacts.source')}</th>
                <th>{t('contacts.occurred')}</th>
                <th>{t('contacts.recorded')}</th>
                <th>{t('contacts.wording')}</th>
                <th>{t('contacts.evidence')}</th>
              </tr>
            </thead>
            <tbody>
              {ledger.data.data.map((e) => (
                <tr key={e.id} data-consent-event={e.id}>
                  <td>{t(`contacts.kind.${e.kind}` as MessageKey)}</td>
                  <td>{t(`contacts.scope.${e.scope}` as MessageKey)}</td>
                  <td>{t(`contacts.source.${e.source}` as MessageKey)}</td>
                  <td>{e.occurredAt ? dt(e.occurredAt) : t('contacts.timeUnknown')}</td>
                  <td>{dt(e.recordedAt)}</td>
                  <td>{e.wording ? <q>{e.wording}</q> : '—'}</td>
                  <td>
                    <Evidence event={e} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {ledger.data && (ledger.data.nextCursor || cursor) && <Pager cursor={cursor} next={ledger.data.nextCursor} onFirst={() => setCursor(null)} onNext={setCursor} />}
    </>
  );
}

/** Where the consent came from: the evidence reference (a link when it is one), the import and its line, the API key, what carried it. */
function Evidence({ event: e }: { event: Schemas['ConsentEventView'] }) {
  const { t } = useI18n();
  const parts = [];
  if (e.evidenceRef) parts.push(/^https?:\/\//i.test(e.evidenceRef) ? <a href={e.evidenceRef} rel="noopener noreferrer" target="_blank">{e.evidenceRef}</a> : <span>{e.evidenceRef}</span>);
  if (e.importId) parts.push(<a href={href(`/contacts/import?id=${e.importId}`)}>{t('contacts.fromImport', { line: e.importLine ?? '?' })}</a>);
  if (e.apiKeyId) parts.push(<span>{t('contacts.byApiKey', { key: e.apiKeyId })}</span>);
  if (e.evidence) parts.push(<code>{JSON.stringify(e.evidence)}</code>);
  if (parts.length === 0) return <>—</>;
  return (
    <>
      {parts.map((p, i) => (
        <div key={i}>{p}</div>
      ))}
    </>
  );
}
