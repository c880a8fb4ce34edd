import type { Run } from '@/lib/api/types';
import { formatDateTime, formatDuration, formatMetric } from '@/lib/format';

/** A row of the comparison: one thing every run may have (an attribute, a param, a metric). */
export interface Field {
  id: string;
  group: 'attribute' | 'param' | 'metric';
  label: string;
  /** The value used to plot and to tell runs apart. */
  value: (run: Run) => number | string | undefined;
  display: (run: Run) => string;
}

export function compareFields(runs: readonly Run[]): Field[] {
  const params = [...new Set(runs.flatMap((run) => Object.keys(run.params)))].sort((a, b) =>
    a.localeCompare(b),
  );
  const metrics = [...new Set(runs.flatMap((run) => Object.keys(run.metrics)))].sort((a, b) =>
    a.localeCompare(b),
  );
  return [
    {
      id: 'status',
      group: 'attribute',
      label: 'Status',
      value: (run) => run.status,
      display: (run) => run.status,
    },
    {
      id: 'duration',
      group: 'attribute',
      label: 'Duration',
      value: (run) => (run.durationMs === null ? undefined : run.durationMs / 1000),
      display: (run) => formatDuration(run.durationMs),
    },
    {
      id: 'startTime',
      group: 'attribute',
      label: 'Started',
      value: (run) => run.startTime,
      display: (run) => formatDateTime(run.startTime),
    },
    { id: 'user', group: 'attribute', label: 'User', value: (run) => run.user, display: (run) => run.user },
    ...params.map(
      (key): Field => ({
        id: `params.${key}`,
        group: 'param',
        label: key,
        value: (run) => run.params[key],
        display: (run) => run.params[key] ?? '',
      }),
    ),
    ...metrics.map(
      (key): Field => ({
        id: `metrics.${key}`,
        group: 'metric',
        label: key,
        value: (run) => run.metrics[key]?.value,
        display: (run) => formatMetric(run.metrics[key]?.value),
      }),
    ),
  ];
}

/** Whether the runs disagree on a field (a missing value counts as a difference). */
export function differs(field: Field, runs: readonly Run[]): boolean {
  const seen = new Set(runs.map((run) => String(field.value(run) ?? '\u0000')));
  return seen.size > 1;
}
