'use client';
import { useMemo, useRef } from 'react';
import { InlineError } from '@/components/ui/states';
import * as api from '@/lib/api';
import { useElementWidth, useSeen } from '@/lib/use-element-size';
import { useResource } from '@/lib/use-resource';
import type { ChartSettings } from './chart-settings';
import { MetricChart } from './metric-chart';

/** Widths snap to steps of 200 px, so resizing the window does not refetch at every pixel. */
function pointsFor(width: number): number {
  return Math.max(200, Math.ceil(width / 200) * 200);
}

/**
 * One metric of one run: fetched only when scrolled near, and downsampled by the server to about
 * the chart's width in pixels, so a 100,000-point history costs the same as a 1,000-point one.
 */
export function RunMetricCard({
  runId,
  metricKey,
  color,
  settings,
  latest,
}: {
  runId: string;
  metricKey: string;
  color: string;
  settings: ChartSettings;
  latest?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const seen = useSeen(ref);
  const width = useElementWidth(ref);
  const maxPoints = width > 0 ? pointsFor(width) : 0;
  const history = useResource(
    (signal) =>
      seen && maxPoints > 0
        ? api.runs.metricHistory(runId, metricKey, { maxPoints, signal })
        : new Promise<never>(() => {}),
    [runId, metricKey, seen, maxPoints],
  );
  const series = useMemo(
    () => (history.data ? [{ id: runId, label: metricKey, color, points: history.data }] : []),
    [history.data, runId, metricKey, color],
  );
  return (
    <section className="card chart-card" data-metric={metricKey} aria-label={`Chart of ${metricKey}`}>
      <div className="card-header">
        <span className="chart-title" title={metricKey}>
          {metricKey}
        </span>
        {latest !== undefined ? <span className="muted num">{latest}</span> : null}
      </div>
      <div ref={ref}>
        {history.status === 'error' && !history.data ? (
          <div className="chart-box" style={{ display: 'grid', placeItems: 'center' }}>
            <InlineError error={history.error} />
          </div>
        ) : history.data ? (
          <MetricChart series={series} settings={settings} label={`${metricKey} over ${settings.xAxis}`} />
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
