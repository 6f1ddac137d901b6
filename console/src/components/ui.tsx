import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, download } from '../api/client';
import { useI18n } from '../i18n';

/** A load that can fail: `data` once loaded, `error` when the API refused, `reload()` to fetch again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error) => live && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { ...state, reload: useCallback(() => setTick((t) => t + 1), []) };
}

/** Calls `fn` every `ms` while mounted (and `active`), never two at once. */
export function usePoll(fn: () => Promise<unknown>, ms: number, active = true): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (!active) return;
    let stop = false;
    let timer: number | undefined;
    const tick = async () => {
      try {
        await saved.current();
      } finally {
        if (!stop) timer = window.setTimeout(tick, ms);
      }
    };
    timer = window.setTimeout(tick, ms);
    return () => {
      stop = true;
      window.clearTimeout(timer);
    };
  }, [ms, active]);
}

export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  const text = error instanceof ApiError ? t('common.error', { code: error.code, message: error.message }) : String((error as Error)?.message ?? error);
  return (
    <div class="banner error" role="alert">
      <span>{text}</span>
      {onRetry && (
        <button type="button" class="link" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p class="muted" role="status" aria-live="polite">
      {t('common.loading')}
    </p>
  );
}

export function Page({ title, actions, children }: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Siaran`;
  }, [title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-header">
        <h1 id="page-title">{title}</h1>
        {actions && <div class="actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

/** A labelled form field; `error` is shown under it and tied to it for screen readers. */
export function Field({ label, error, hint, children, id }: { label: string; error?: string; hint?: string; children: JSX.Element; id: string }) {
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <small class="hint" id={`${id}-hint`}>
          {hint}
        </small>
      )}
      {error && (
        <small class="field-error" id={`${id}-error`} role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/** A horizontal bar of parts (counts), each labelled; `max` is the whole. */
export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.min(100, (100 * value) / max) : 0;
  return (
    <div class="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value}>
      <div class="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

export function Badge({ tone = 'neutral', children }: { tone?: 'neutral' | 'good' | 'warn' | 'bad'; children: ComponentChildren }) {
  return <span class={`badge ${tone}`}>{children}</span>;
}

/** Keyset pages: "first page" and "next page" over the API's nextCursor. */
export function Pager({ cursor, next, onFirst, onNext }: { cursor: string | null; next: string | null | undefined; onFirst: () => void; onNext: (cursor: string) => void }) {
  const { t } = useI18n();
  return (
    <nav class="pager" aria-label="pages">
      <button type="button" disabled={cursor === null} onClick={onFirst}>
        {t('common.previous')}
      </button>
      <button type="button" disabled={!next} onClick={() => next && onNext(next)}>
        {t('common.next')}
      </button>
    </nav>
  );
}

/** A button that downloads a CSV the API streams (download()); the API's refusal is shown beside it. */
export function DownloadButton({ path, fallbackName, label, disabled }: { path: string; fallbackName: string; label: string; disabled?: boolean }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <span class="download">
      <button
        type="button"
        disabled={disabled || busy}
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          try {
            await download(path, fallbackName);
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        {label}
      </button>
      <ErrorBanner error={error} />
    </span>
  );
}
