'use client';
import { useMemo, useRef } from 'react';
import { ChartControls } from '@/components/charts/chart-controls';
import type { ChartSettings } from '@/components/charts/chart-settings';
import { MetricChart } from '@/components/charts/metric-chart';
import { InlineError } from '@/components/ui/states';
import * as api from '@/lib/api';
import type { Run } from '@/lib/api/types';
import { useElementWidth, useSeen } from '@/lib/use-element-size';
import { useResource } from '@/lib/use-resource';

function CompareMetricCard({
  runs,
  colors,
  metricKey,
  settings,
}: {
  runs: readonly Run[];
  colors: readonly string[];
  metricKey: string;
  settings: ChartSettings;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const seen = useSeen(ref);
  const width = useElementWidth(ref);
  const maxPoints = width > 0 ? Math.max(200, Math.ceil(width / 200) * 200) : 0;
  const runIds = runs.filter((run) => run.metrics[metricKey]).map((run) => run.id);
  const key = runIds.join(',');
  const histories = useResource(
    (signal) =>
      seen && maxPoints > 0
        ? api.runs.metricHistories(runIds, [metricKey], { maxPoints, signal })
        : new Promise<never>(() => {}),
    [key, metricKey, seen, maxPoints],
  );
  const series = useMemo(() => {
    if (!histories.data) return [];
    const byRun = new Map(histories.data.map((one) => [one.runId, one.points]));
    return runs.flatMap((run, index) => {
      const points = byRun.get(run.id);
      return points ? [{ id: run.id, label: run.name, color: colors[index] ?? '#888', points }] : [];
    });
  }, [histories.data, runs, colors]);
  return (
    <section className="card chart-card" data-metric={metricKey} aria-label={`Chart of ${metricKey}`}>
      <div className="card-header">
        <span className="chart-title">{metricKey}</span>
        <span className="faint">{runIds.length} runs</span>
      </div>
      <div ref={ref}>
        {histories.status === 'error' && !histories.data ? (
          <div className="chart-box" style={{ display: 'grid', placeItems: 'center' }}>
            <InlineError error={histories.error} />
          </div>
        ) : histories.data ? (
          <MetricChart series={series} settings={settings} label={`${metricKey} of ${runIds.length} runs`} />
        ) : (
          <div className="chart-box">
            <div className="chart-placeholder">
              <span className="spinner" />
            </div>
          </div>
        )}
      </div>
    </section>
  );
}

/** One chart per metric, every compared run overlaid in its own colour. */
export function CompareCharts({
  runs,
  colors,
  settings,
  onSettings,
}: {
  runs: readonly Run[];
  colors: readonly string[];
  settings: ChartSettings;
  onSettings: (settings: ChartSettings) => void;
}) {
  const keys = useMemo(
    () => [...new Set(runs.flatMap((run) => Object.keys(run.metrics)))].sort((a, b) => a.localeCompare(b)),
    [runs],
  );
  return (
    <div className="section" style={{ gap: 14 }}>
      <div className="toolbar">
        <div className="legend">
          {runs.map((run, index) => (
            <span key={run.id} className="legend-item">
              <span className="swatch" style={{ background: colors[index] }} />
              <span>{run.name}</span>
            </span>
          ))}
        </div>
        <span className="spacer" />
        <ChartControls settings={settings} onChange={onSettings} />
      </div>
      {keys.length === 0 ? <div className="muted">None of these runs logged a metric.</div> : null}
      <div className="chart-grid">
        {keys.map((key) => (
          <CompareMetricCard key={key} runs={runs} colors={colors} metricKey={key} settings={settings} />
        ))}
      </div>
    </div>
  );
}
