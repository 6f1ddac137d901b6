import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, ok, type Schemas } from '../../api/client';
import { ErrorBanner, Field, Loading, Page, useLoad } from '../../components/ui';
import { useI18n } from '../../i18n';
import { navigate } from '../../router';

type Audience = Schemas['AudienceDto'];

/** "a, b ,c" → ["a","b","c"] (empty parts dropped). */
const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A `datetime-local` value (the browser's zone, which is known) as an ISO 8601 instant; '' → undefined. */
const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);

/**
 * A new campaign: sender, an APPROVED template and one binding expression per parameter, the
 * audience with a live count (POST /v1/audiences/count, the campaign's own audience JSON, so the
 * number is exact), and optional schedule, rate cap and send window. The API checks everything
 * again; its problems are shown at their field (`binding.body.1`, `audience.countries`, …).
 */
export function CampaignCreate() {
  const { t, n } = useI18n();
  const senders = useLoad(() => ok(api.GET('/v1/phone-numbers', { params: { query: { limit: 200 } } })), []);
  const templates = useLoad(() => ok(api.GET('/v1/templates', { params: { query: { limit: 200, status: 'APPROVED' } } })), []);

  const [name, setName] = useState('');
  const [sender, setSender] = useState('');
  const [templateId, setTemplateId] = useState('');
  const [binding, setBinding] = useState<Record<string, string>>({});
  const [anyTags, setAnyTags] = useState('');
  const [allTags, setAllTags] = useState('');
  const [noneTags, setNoneTags] = useState('');
  const [countries, setCountries] = useState('');
  const [scheduledAt, setScheduledAt] = useState('');
  const [maxMps, setMaxMps] = useState('');
  const [windowFrom, setWindowFrom] = useState('');
  const [windowTo, setWindowTo] = useState('');
  const [windowZone, setWindowZone] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [size, setSize] = useState<number | null>(null);

  useEffect(() => {
    if (!sender && senders.data?.data[0]) setSender(senders.data.data[0].phoneNumberId);
  }, [senders.data]);
  const template = templates.data?.data.find((x) => x.id === templateId);

  const audience = useMemo((): Audience => {
    const tags = { ...(list(anyTags).length ? { any: list(anyTags) } : {}), ...(list(allTags).length ? { all: list(allTags) } : {}), ...(list(noneTags).length ? { none: list(noneTags) } : {}) };
    return { ...(Object.keys(tags).length ? { tags } : {}), ...(list(countries).length ? { countries: list(countries) } : {}) };
  }, [anyTags, allTags, noneTags, countries]);

  // The live count, 300 ms after the last change.
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      ok(api.POST('/v1/audiences/count', { body: audience })).then(
        (r) => live && setSize(r.contacts),
        () => live && setSize(null),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [audience]);

  const problems = error instanceof ApiError ? error.problems() : [];
  const problemAt = (field: string) => problems.filter((p) => p.field === field || p.field.startsWith(`${field}.`)).map((p) => p.message).join('; ') || undefined;

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const created = await ok(
        api.POST('/v1/campaigns', {
          body: {
            name,
            phoneNumberId: sender,
            templateId,
            binding,
            audience,
            ...(scheduledAt ? { scheduledAt: instant(scheduledAt) } : {}),
            ...(maxMps ? { maxMps: Number(maxMps) } : {}),
            ...(windowFrom && windowTo ? { sendWindow: { from: windowFrom, to: windowTo, timeZone: windowZone } } : {}),
          } as Schemas['CreateCampaignDto'],
          headers: { 'Idempotency-Key': crypto.randomUUID() },
        }),
      );
      navigate(`/campaigns/${created.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (senders.loading || templates.loading) return <Loading />;
  return (
    <Page title={t('campaigns.new')}>
      <ErrorBanner error={senders.error ?? templates.error} />
      <form class="card" onSubmit={submit} aria-label={t('campaigns.new')}>
        <Field id="c-name" label={t('campaigns.name')} error={problemAt('name')}>
          <input id="c-name" required maxLength={200} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </Field>
        <div class="grid">
          <Field id="c-sender" label={t('campaigns.sender')} error={problemAt('phoneNumberId')}>
            <select id="c-sender" required value={sender} onChange={(e) => setSender((e.target as HTMLSelectElement).value)}>
              {senders.data?.data.map((p) => (
                <option key={p.phoneNumberId} value={p.phoneNumberId}>
                  {p.displayPhoneNumber ?? p.phoneNumberId} ({p.businessCountry}, {n(p.throughputMps)} msg/s)
                </option>
              ))}
            </select>
          </Field>
          <Field id="c-template" label={t('campaigns.template')} error={problemAt('templateId')} hint={t('campaigns.templateHint')}>
            <select
              id="c-template"
              required
              value={templateId}
              onChange={(e) => {
                setTemplateId((e.target as HTMLSelectElement).value);
                setBinding({});
              }}
            >
              <option value="">—</option>
              {templates.data?.data.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name} ({x.language}, {x.category})
                </option>
              ))}
            </select>
          </Field>
        </div>
        {template && template.parameters.length > 0 && (
          <fieldset>
            <legend>{t('campaigns.binding')}</legend>
            <p class="hint">{t('campaigns.bindingHint')}</p>
            {template.parameters.map((p) => (
              <Field key={p.key} id={`c-binding-${p.key}`} label={`${p.key}${p.required ? ' *' : ''}`} error={problemAt(`binding.${p.key}`) ?? problemAt(p.key)}>
                <input
                  id={`c-binding-${p.key}`}
                  required={p.required}
                  placeholder="{{name}}"
                  value={binding[p.key] ?? ''}
                  onInput={(e) => setBinding({ ...binding, [p.key]: (e.target as HTMLInputElement).value })}
                />
              </Field>
            ))}
          </fieldset>
        )}
        <fieldset>
          <legend>{t('campaigns.audience')}</legend>
          <div class="grid">
            <Field id="c-any" label={t('campaigns.tagsAny')} hint={t('campaigns.commaSeparated')} error={problemAt('audience.tags.any')}>
              <input id="c-any" value={anyTags} onInput={(e) => setAnyTags((e.target as HTMLInputElement).value)} />
            </Field>
            <Field id="c-all" label={t('campaigns.tagsAll')} error={problemAt('audience.tags.all')}>
              <input id="c-all" value={allTags} onInput={(e) => setAllTags((e.target as HTMLInputElement).value)} />
            </Field>
            <Field id="c-none" label={t('campaigns.tagsNone')} error={problemAt('audience.tags.none')}>
              <input id="c-none" value={noneTags} onInput={(e) => setNoneTags((e.target as HTMLInputElement).value)} />
            </Field>
            <Field id="c-countries" label={t('campaigns.countries')} hint="ID, MY" error={problemAt('audience.countries')}>
              <input id="c-countries" value={countries} onInput={(e) => setCountries((e.target as HTMLInputElement).value)} />
            </Field>
          </div>
          <p class="audience-size" role="status" aria-live="polite">
            {size === null ? '—' : t('campaigns.audienceSize', { count: n(size) })}
          </p>
        </fieldset>
        <fieldset>
          <legend>{t('campaigns.when')}</legend>
          <div class="grid">
            <Field id="c-at" label={t('campaigns.scheduledAt')} hint={t('campaigns.scheduledHint', { zone: Intl.DateTimeFormat().resolvedOptions().timeZone })} error={problemAt('scheduledAt')}>
              <input id="c-at" type="datetime-local" value={scheduledAt} onInput={(e) => setScheduledAt((e.target as HTMLInputElement).value)} />
            </Field>
            <Field id="c-mps" label={t('campaigns.maxMps')} hint={t('campaigns.maxMpsHint')} error={problemAt('maxMps')}>
              <input id="c-mps" type="number" min={1} max={1000} value={maxMps} onInput={(e) => setMaxMps((e.target as HTMLInputElement).value)} />
            </Field>
            <Field id="c-wfrom" label={t('campaigns.windowFrom')} error={problemAt('sendWindow')}>
              <input id="c-wfrom" type="time" value={windowFrom} onInput={(e) => setWindowFrom((e.target as HTMLInputElement).value)} />
            </Field>
            <Field id="c-wto" label={t('campaigns.windowTo')}>
              <input id="c-wto" type="time" value={windowTo} onInput={(e) => setWindowTo((e.target as HTMLInputElement).value)} />
            </Field>
            <Field id="c-wzone" label={t('campaigns.windowZone')}>
              <input id="c-wzone" value={windowZone} onInput={(e) => setWindowZone((e.target as HTMLInputElement).value)} />
            </Field>
          </div>
        </fieldset>
        <ErrorBanner error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {t('campaigns.createDraft')}
        </button>
      </form>
    </Page>
  );
}
