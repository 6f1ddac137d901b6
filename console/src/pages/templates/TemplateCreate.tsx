import { useMemo, useState } from 'preact/hooks';
import { api, ApiError, ok, type Schemas } from '../../api/client';
import { ErrorBanner, Field, Page } from '../../components/ui';
import { type MessageKey, useI18n } from '../../i18n';
import { href, navigate } from '../../router';
import { apiProblems, type ButtonDraft, type ButtonType, checkDraft, exampleText, LIMITS, parameterFormat, type TemplateDraft, toComponents, variableNames } from './rules';
import { Bubble } from './status';

/** A few of WhatsApp's template language codes, offered as you type (any code WhatsApp takes is accepted). */
const LANGUAGE_CODES = ['id', 'en', 'en_US', 'en_GB', 'ms', 'pt_BR', 'es', 'es_MX', 'hi', 'th', 'vi', 'fil', 'ar', 'zh_CN'];
const NEW_BUTTON: Record<ButtonType, ButtonDraft> = {
  QUICK_REPLY: { type: 'QUICK_REPLY', text: '', url: '', example: '', phone: '' },
  URL: { type: 'URL', text: '', url: 'https://', example: '', phone: '' },
  PHONE_NUMBER: { type: 'PHONE_NUMBER', text: '', url: '', example: '', phone: '+62' },
};

const EMPTY: TemplateDraft = {
  name: '',
  language: 'id',
  category: 'MARKETING',
  header: 'none',
  headerText: '',
  headerExample: '',
  body: '',
  bodyExamples: {},
  footer: '',
  buttons: [],
};

/**
 * A new template (POST /v1/templates): name, language, category, an optional text header with its
 * example, the body with an example per variable, footer, buttons (quick reply, URL, phone). The
 * cheap WhatsApp rules are checked as you type (rules.ts); the API's verdict on everything else is
 * shown at its component. Saved as a draft, it opens on its own page to be submitted and previewed.
 */
export function TemplateCreate() {
  const { t, n } = useI18n();
  const [draft, setDraft] = useState<TemplateDraft>(EMPTY);
  const [sent, setSent] = useState<{ error: unknown; types: string[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const local = useMemo(() => checkDraft(draft), [draft]);
  const remote = sent?.error instanceof ApiError && ['TEMPLATE_INVALID', 'VALIDATION_FAILED'].includes(sent.error.code) ? apiProblems(sent.error.details, sent.types) : {};
  const unplaced = sent && !(sent.error instanceof ApiError && ['TEMPLATE_INVALID', 'VALIDATION_FAILED'].includes(sent.error.code)) ? sent.error : undefined;
  const blocked = Object.keys(local).length > 0;

  /** What to show under a field: the form's own problems while typing, else the API's from the last save. */
  const problemAt = (field: string) => {
    const mine = local[field]?.map((p) => t(p.key, p.vars));
    const messages = mine?.length ? mine : remote[field];
    return messages?.length ? messages.join('; ') : undefined;
  };
  const set = <K extends keyof TemplateDraft>(key: K, value: TemplateDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const setButton = (i: number, patch: Partial<ButtonDraft>) => setDraft((d) => ({ ...d, buttons: d.buttons.map((b, j) => (j === i ? { ...b, ...patch } : b)) }));
  const value = (e: Event) => (e.target as HTMLInputElement).value;
  const counter = (text: string, max: number) => t('templates.counter', { length: n(text.length), max: n(max) });

  async function save(e: Event) {
    e.preventDefault();
    const { components, types } = toComponents(draft);
    setBusy(true);
    setSent(null);
    try {
      const created = await ok(
        api.POST('/v1/templates', {
          body: { name: draft.name, language: draft.language.trim(), category: draft.category, parameterFormat: parameterFormat(draft), components } as Schemas['CreateTemplateDto'],
        }),
      );
      navigate(`/templates/${created.id}`);
    } catch (error) {
      setSent({ error, types });
    } finally {
      setBusy(false);
    }
  }

  const bodyNames = variableNames(draft.body);
  const headerNames = draft.header === 'text' ? variableNames(draft.headerText) : [];
  const buttonCounts = (type: ButtonType) => draft.buttons.filter((b) => b.type === type).length;
  return (
    <Page
      title={t('templates.new')}
      actions={
        <a class="button" href={href('/templates')}>
          {t('common.back')}
        </a>
      }
    >
      <div class="template-editor">
        <form class="card" onSubmit={save} aria-label={t('templates.new')} noValidate>
          <div class="grid">
            <Field id="t-name" label={t('templates.name')} hint={t('templates.nameHint')} error={problemAt('name')}>
              <input id="t-name" required value={draft.name} onInput={(e) => set('name', value(e))} autoComplete="off" />
            </Field>
            <Field id="t-language" label={t('templates.language')} hint={t('templates.languageHint')} error={problemAt('language')}>
              <input id="t-language" required list="t-languages" value={draft.language} onInput={(e) => set('language', value(e))} />
            </Field>
            <datalist id="t-languages">
              {LANGUAGE_CODES.map((code) => (
                <option key={code} value={code} />
              ))}
            </datalist>
            <Field id="t-category" label={t('templates.category')} hint={t('templates.categoryHint')} error={problemAt('category')}>
              <select id="t-category" value={draft.category} onChange={(e) => set('category', value(e) as TemplateDraft['category'])}>
                {(['MARKETING', 'UTILITY'] as const).map((c) => (
                  <option key={c} value={c}>
                    {t(`templates.category.${c}`)}
                  </option>
                ))}
              </select>
            </Field>
          </div>

          <fieldset>
            <legend>{t('templates.header')}</legend>
            <Field id="t-header-kind" label={t('templates.headerKind')}>
              <select id="t-header-kind" value={draft.header} onChange={(e) => set('header', value(e) as TemplateDraft['header'])}>
                <option value="none">{t('templates.headerNone')}</option>
                <option value="text">{t('templates.headerText')}</option>
              </select>
            </Field>
            {draft.header === 'text' && (
              <>
                <Field id="t-header" label={t('templates.headerTextLabel')} hint={counter(draft.headerText, LIMITS.header)} error={problemAt('header')}>
                  <input id="t-header" value={draft.headerText} onInput={(e) => set('headerText', value(e))} />
                </Field>
                {headerNames.length > 0 && (
                  <Field id="t-header-example" label={t('templates.exampleFor', { variable: `{{${headerNames[0]}}}` })} error={problemAt('headerExample')}>
                    <input id="t-header-example" value={draft.headerExample} onInput={(e) => set('headerExample', value(e))} />
                  </Field>
                )}
              </>
            )}
          </fieldset>

          <fieldset>
            <legend>{t('templates.body')}</legend>
            <Field id="t-body" label={t('templates.bodyText')} hint={`${t('templates.bodyHint')} ${counter(draft.body, LIMITS.body)}`} error={problemAt('body')}>
              <textarea id="t-body" required value={draft.body} onInput={(e) => set('body', value(e))} />
            </Field>
            {bodyNames.map((name) => (
              <Field key={name} id={`t-example-${name}`} label={t('templates.exampleFor', { variable: `{{${name}}}` })} error={problemAt(`bodyExample.${name}`)}>
                <input id={`t-example-${name}`} value={draft.bodyExamples[name] ?? ''} onInput={(e) => set('bodyExamples', { ...draft.bodyExamples, [name]: value(e) })} />
              </Field>
            ))}
            {problemAt('bodyExamples') && (
              <p class="field-error" role="alert">
                {problemAt('bodyExamples')}
              </p>
            )}
          </fieldset>

          <Field id="t-footer" label={t('templates.footer')} hint={`${t('templates.footerHint')} ${counter(draft.footer, LIMITS.footer)}`} error={problemAt('footer')}>
            <input id="t-footer" value={draft.footer} onInput={(e) => set('footer', value(e))} />
          </Field>

          <fieldset>
            <legend>{t('templates.buttons')}</legend>
            {problemAt('buttons') && (
              <p class="field-error" role="alert">
                {problemAt('buttons')}
              </p>
            )}
            {draft.buttons.map((b, i) => (
              <div class="button-row" key={i} role="group" aria-label={t('templates.buttonN', { n: i + 1, type: t(`templates.buttonType.${b.type}`) })}>
                <div class="grid">
                  <Field id={`t-button-${i}-text`} label={t('templates.buttonText', { n: i + 1 })} hint={counter(b.text, LIMITS.buttonText)} error={problemAt(`button.${i}.text`)}>
                    <input id={`t-button-${i}-text`} value={b.text} onInput={(e) => setButton(i, { text: value(e) })} />
                  </Field>
                  {b.type === 'URL' && (
                    <Field id={`t-button-${i}-url`} label={t('templates.buttonUrl', { n: i + 1 })} hint={t('templates.buttonUrlHint')} error={problemAt(`button.${i}.url`)}>
                      <input id={`t-button-${i}-url`} type="url" value={b.url} onInput={(e) => setButton(i, { url: value(e) })} />
                    </Field>
                  )}
                  {b.type === 'URL' && b.url.includes('{{') && (
                    <Field id={`t-button-${i}-example`} label={t('templates.exampleFor', { variable: '{{1}}' })} error={problemAt(`button.${i}.example`)}>
                      <input id={`t-button-${i}-example`} value={b.example} onInput={(e) => setButton(i, { example: value(e) })} />
                    </Field>
                  )}
                  {b.type === 'PHONE_NUMBER' && (
                    <Field id={`t-button-${i}-phone`} label={t('templates.buttonPhone', { n: i + 1 })} error={problemAt(`button.${i}.phone`)}>
                      <input id={`t-button-${i}-phone`} type="tel" value={b.phone} onInput={(e) => setButton(i, { phone: value(e) })} />
                    </Field>
                  )}
                </div>
                <button type="button" class="link" onClick={() => set('buttons', draft.buttons.filter((_, j) => j !== i))}>
                  {t('templates.removeButton', { n: i + 1 })}
                </button>
              </div>
            ))}
            <div class="actions">
              <button type="button" disabled={draft.buttons.length >= LIMITS.buttons} onClick={() => set('buttons', [...draft.buttons, NEW_BUTTON.QUICK_REPLY])}>
                {t('templates.addQuickReply')}
              </button>
              <button type="button" disabled={draft.buttons.length >= LIMITS.buttons || buttonCounts('URL') >= LIMITS.urlButtons} onClick={() => set('buttons', [...draft.buttons, NEW_BUTTON.URL])}>
                {t('templates.addUrl')}
              </button>
              <button
                type="button"
                disabled={draft.buttons.length >= LIMITS.buttons || buttonCounts('PHONE_NUMBER') >= LIMITS.phoneNumberButtons}
                onClick={() => set('buttons', [...draft.buttons, NEW_BUTTON.PHONE_NUMBER])}
              >
                {t('templates.addPhone')}
              </button>
            </div>
          </fieldset>

          {remote.form && (
            <div class="banner error" role="alert">
              {remote.form.join('; ')}
            </div>
          )}
          {Object.keys(remote).length > 0 && (
            <p class="field-error" role="alert">
              {t('templates.fixProblems')}
            </p>
          )}
          <ErrorBanner error={unplaced} />
          <button type="submit" class="primary" disabled={busy || blocked || !draft.name || !draft.body}>
            {t('templates.saveDraft')}
          </button>
          {blocked && <p class="hint">{t('templates.blocked')}</p>}
        </form>
        <aside aria-label={t('templates.draftPreview')}>
          <h2>{t('templates.draftPreview')}</h2>
          <Bubble
            label={t('templates.draftPreview')}
            header={draft.header === 'text' ? exampleText(draft.headerText, () => draft.headerExample) : undefined}
            body={exampleText(draft.body, (name) => draft.bodyExamples[name]) || '…'}
            footer={draft.footer || undefined}
            buttons={draft.buttons.map((b) => ({ text: b.text || t(`templates.buttonType.${b.type}` as MessageKey) }))}
          />
        </aside>
      </div>
    </Page>
  );
}
