import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { useI18n } from '../../i18n';

export interface RateSample {
  /** Unix seconds. */
  at: number;
  /** Messages accepted per second over the API's last 10 s. */
  rate: number;
}

/**
 * The send rate over time (a sample per poll of GET /v1/campaigns/:id) against the number's limit
 * (its throughput, or the campaign's maxMps when lower): a uPlot line chart, with a text summary
 * for screen readers (the chart itself is an image to them).
 */
export function RateChart({ samples, limit }: { samples: RateSample[]; limit: number | null }) {
  const { t, n } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    if (!box.current) return;
    const width = Math.max(280, box.current.clientWidth);
    plot.current = new uPlot(
      {
        width,
        height: 220,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, limit ?? 0) * 1.1 || 1] } },
        series: [
          {},
          { label: t('campaigns.rate'), stroke: '#0b7a53', width: 2 },
          { label: t('campaigns.limit'), stroke: '#b42318', dash: [6, 4], width: 1 },
        ],
        axes: [{}, { label: 'msg/s' }],
      },
      [[], [], []],
      box.current,
    );
    const resize = () => plot.current?.setSize({ width: Math.max(280, box.current!.clientWidth), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [limit, t]);

  useEffect(() => {
    plot.current?.setData([samples.map((s) => s.at), samples.map((s) => s.rate), samples.map(() => limit)]);
  }, [samples, limit]);

  const last = samples[samples.length - 1];
  return (
    <figure class="rate-chart">
      <div ref={box} role="img" aria-label={t('campaigns.rateSummary', { rate: n(last?.rate ?? 0, { maximumFractionDigits: 1 }), limit: limit === null ? '—' : n(limit) })} />
      <figcaption class="muted">{t('campaigns.rateCaption')}</figcaption>
    </figure>
  );
}
