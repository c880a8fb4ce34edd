'use client';
import { useMemo, useState } from 'react';
import { ChartControls } from '@/components/charts/chart-controls';
import type { ChartSettings } from '@/components/charts/chart-settings';
import { RunMetricCard } from '@/components/charts/run-metric-card';
import { ChartIcon, SearchIcon } from '@/components/ui/icons';
import { EmptyState } from '@/components/ui/states';
import type { Run } from '@/lib/api/types';
import { formatMetric } from '@/lib/format';
import { colorAt } from '@/lib/run-colors';

/** A chart per metric of the run, all drawn with the same axis, scale and smoothing. */
export function RunCharts({
  run,
  settings,
  onSettings,
}: {
  run: Run;
  settings: ChartSettings;
  onSettings: (settings: ChartSettings) => void;
}) {
  const [search, setSearch] = useState('');
  const keys = useMemo(() => Object.keys(run.metrics).sort((a, b) => a.localeCompare(b)), [run.metrics]);
  const needle = search.trim().toLowerCase();
  const shown = needle ? keys.filter((key) => key.toLowerCase().includes(needle)) : keys;
  if (keys.length === 0) {
    return (
      <EmptyState title="No metrics logged" icon={<ChartIcon size={20} />}>
        Metrics logged with <code>run.log(&#123; loss &#125;)</code> or <code>mlflow.log_metric</code> appear
        here.
      </EmptyState>
    );
  }
  return (
    <div className="section" style={{ gap: 14 }}>
      <div className="toolbar">
        <div className="filter-box" style={{ maxWidth: 280, minWidth: 200 }}>
          <SearchIcon size={14} />
          <input
            className="input"
            style={{ fontFamily: 'var(--font-sans)', fontSize: 13 }}
            placeholder="Find a metric"
            aria-label="Find a metric"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        <span className="spacer" />
        <ChartControls settings={settings} onChange={onSettings} />
      </div>
      <div className="chart-grid">
        {shown.map((key) => (
          <RunMetricCard
            key={key}
            runId={run.id}
            metricKey={key}
            color={colorAt(0)}
            settings={settings}
            latest={formatMetric(run.metrics[key]?.value)}
          />
        ))}
      </div>
    </div>
  );
}
