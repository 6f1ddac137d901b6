import { useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import { ErrorBanner, Loading, Page, Pager, useLoad } from '../../components/ui';
import { type MessageKey, useI18n } from '../../i18n';
import { href } from '../../router';
import { TemplateQuality, TemplateStatus } from './status';

type Status = NonNullable<Schemas['TemplateView']['status']>;
type Category = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

const STATUSES = ['', 'DRAFT', 'PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED', 'DELETED'] as const;
const CATEGORIES = ['', 'MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;

/** Templates, newest first, filtered by status and category, with their language and quality. */
export function TemplateList() {
  const { t, dt } = useI18n();
  const [status, setStatus] = useState('');
  const [category, setCategory] = useState('');
  const [cursor, setCursor] = useState<string | null>(null);
  const page = useLoad(
    () =>
      ok(
        api.GET('/v1/templates', {
          params: { query: { limit: 25, ...(status ? { status: status as Status } : {}), ...(category ? { category: category as Category } : {}), ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [status, category, cursor],
  );
  return (
    <Page
      title={t('nav.templates')}
      actions={
        <a class="button primary" href={href('/templates/new')}>
          {t('templates.new')}
        </a>
      }
    >
      <div class="filters">
        <FilterSelect
          label={t('templates.statusLabel')}
          value={status}
          options={STATUSES}
          text={(s) => t(`templates.status.${s}` as MessageKey)}
          onChange={(s) => {
            setStatus(s);
            setCursor(null);
          }}
        />
        <FilterSelect
          label={t('templates.category')}
          value={category}
          options={CATEGORIES}
          text={(c) => t(`templates.category.${c}` as MessageKey)}
          onChange={(c) => {
            setCategory(c);
            setCursor(null);
          }}
        />
      </div>
      <ErrorBanner error={page.error} onRetry={page.reload} />
      {page.loading && !page.data && <Loading />}
      {page.data && page.data.data.length === 0 && <p class="muted">{t('templates.none')}</p>}
      {page.data && page.data.data.length > 0 && (
        <div class="table-wrap">
          <table aria-label={t('nav.templates')}>
            <thead>
              <tr>
                <th>{t('templates.name')}</th>
                <th>{t('templates.statusLabel')}</th>
                <th>{t('templates.category')}</th>
                <th>{t('templates.language')}</th>
                <th>{t('templates.qualityLabel')}</th>
                <th>{t('templates.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {page.data.data.map((x) => (
                <tr key={x.id}>
                  <td>
                    <a href={href(`/templates/${x.id}`)}>{x.name}</a>
                  </td>
                  <td>
                    <TemplateStatus status={x.status} />
                  </td>
                  <td>
                    <span class="badge">{t(`templates.category.${x.category}` as MessageKey)}</span>
                  </td>
                  <td>
                    <span class="badge">{x.language}</span>
                  </td>
                  <td>
                    <TemplateQuality quality={x.qualityScore} />
                  </td>
                  <td>{dt(x.updatedAt)}</td>
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

/** A labelled filter: '' is every value ("All"). */
function FilterSelect({ label, value, options, text, onChange }: { label: string; value: string; options: readonly string[]; text: (option: string) => string; onChange: (value: string) => void }) {
  const { t } = useI18n();
  return (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {o ? text(o) : t('common.all')}
          </option>
        ))}
      </select>
    </label>
  );
}
