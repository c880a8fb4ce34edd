'use client';
import Link from 'next/link';
import { Suspense, useMemo } from 'react';
import { chartSettingsFrom, chartSettingsParams } from '@/components/charts/chart-settings';
import { ParallelCoordinates } from '@/components/charts/parallel-coordinates';
import { ScatterPlot } from '@/components/charts/scatter-plot';
import { CompareCharts } from '@/components/compare/compare-charts';
import { CompareTable } from '@/components/compare/compare-table';
import { compareFields, differs, type Field } from '@/components/compare/fields';
import { maxCompared } from '@/components/runs/runs-view';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { Tabs } from '@/components/ui/tabs';
import * as api from '@/lib/api';
import { useDocumentTitle } from '@/lib/document-title';
import { colorAt } from '@/lib/run-colors';
import { useUrlState } from '@/lib/url-state';
import { useResource } from '@/lib/use-resource';

const tabs = ['charts', 'table', 'parallel', 'scatter'] as const;
type Tab = (typeof tabs)[number];

function FieldSelect({
  label,
  fields,
  value,
  onChange,
}: {
  label: string;
  fields: readonly Field[];
  value: string | undefined;
  onChange: (id: string) => void;
}) {
  return (
    <label className="control">
      {label}
      <select
        className="select"
        value={value ?? ''}
        onChange={(event) => onChange(event.target.value)}
        aria-label={label}
      >
        {(['metric', 'param', 'attribute'] as const).map((group) => (
          <optgroup
            key={group}
            label={group === 'metric' ? 'Metrics' : group === 'param' ? 'Params' : 'Attributes'}
          >
            {fields
              .filter((field) => field.group === group)
              .map((field) => (
                <option key={field.id} value={field.id}>
                  {field.label}
                </option>
              ))}
          </optgroup>
        ))}
      </select>
    </label>
  );
}

function Compare() {
  const url = useUrlState();
  const ids = useMemo(() => url.getList('runs').slice(0, maxCompared), [url]);
  const key = ids.join(',');
  useDocumentTitle(`Compare ${ids.length} runs`);
  const tab: Tab = (tabs as readonly string[]).includes(url.get('tab') ?? '')
    ? (url.get('tab') as Tab)
    : 'charts';
  const settings = chartSettingsFrom(url.get);
  const runs = useResource((signal) => Promise.all(ids.map((id) => api.runs.getRun(id, signal))), [key]);
  const colors = useMemo(() => ids.map((_, index) => colorAt(index)), [ids]);
  const fields = useMemo(() => compareFields(runs.data ?? []), [runs.data]);

  if (ids.length < 2) {
    return (
      <div className="page">
        <EmptyState title="Pick at least two runs">
          Select runs in an{' '}
          <Link className="link" href="/experiments/">
            experiment&apos;s runs table
          </Link>{' '}
          and choose Compare.
        </EmptyState>
      </div>
    );
  }
  if (runs.status === 'error' && !runs.data) {
    return (
      <div className="page">
        <ErrorState error={runs.error} title="Could not load these runs" onRetry={runs.reload} />
      </div>
    );
  }
  if (!runs.data) return <LoadingState />;
  const loaded = runs.data;

  // Parallel coordinates: params that vary, then every metric (up to 12 axes stay readable).
  const chosenDims = url.getList('dims');
  const plotted = fields.filter((field) => field.group !== 'attribute' || field.id === 'duration');
  const dims = (
    chosenDims.length
      ? chosenDims
          .map((id) => plotted.find((field) => field.id === id))
          .filter((field): field is Field => !!field)
      : [
          ...plotted.filter((field) => field.group === 'param' && differs(field, loaded)),
          ...plotted.filter((field) => field.group === 'metric'),
        ]
  ).slice(0, 12);
  const metricFields = fields.filter((field) => field.group === 'metric');
  const paramFields = fields.filter((field) => field.group === 'param');
  const xField =
    fields.find((field) => field.id === url.get('sx')) ??
    paramFields.find((field) => differs(field, loaded)) ??
    paramFields[0] ??
    fields[1];
  // A quality metric makes the most telling default Y: accuracy, loss, F1, AUC…
  const telling = metricFields.find((field) => /acc|loss|f1|auc|score|error/i.test(field.label));
  const yField =
    fields.find((field) => field.id === url.get('sy')) ?? telling ?? metricFields[0] ?? fields[0];

  return (
    <div className="page">
      <PageHeader
        crumbs={[{ label: 'Experiments', href: '/experiments/' }, { label: 'Compare runs' }]}
        title={`Comparing ${loaded.length} runs`}
        subtitle={loaded.map((run, index) => (
          <span key={run.id} className="legend-item">
            <span className="swatch" style={{ background: colors[index] }} />
            <Link className="link" href={`/run/?id=${run.id}`}>
              {run.name}
            </Link>
          </span>
        ))}
      />
      <Tabs<Tab>
        label="Comparison views"
        items={[
          { id: 'charts', label: 'Charts' },
          { id: 'table', label: 'Params & metrics' },
          { id: 'parallel', label: 'Parallel coordinates' },
          { id: 'scatter', label: 'Scatter' },
        ]}
        value={tab}
        onChange={(next) => url.set({ tab: next === 'charts' ? undefined : next }, 'push')}
      />
      {tab === 'charts' ? (
        <CompareCharts
          runs={loaded}
          colors={colors}
          settings={settings}
          onSettings={(next) => url.set(chartSettingsParams(next))}
        />
      ) : null}
      {tab === 'table' ? (
        <div className="section">
          <div className="toolbar">
            <label className="checkbox">
              <input
                type="checkbox"
                checked={url.get('diff') === '1'}
                onChange={(event) => url.set({ diff: event.target.checked ? '1' : undefined })}
              />
              Only rows that differ
            </label>
          </div>
          <CompareTable
            runs={loaded}
            colors={colors}
            fields={fields}
            onlyDifferences={url.get('diff') === '1'}
          />
        </div>
      ) : null}
      {tab === 'parallel' ? (
        <section className="card">
          <div className="card-header">
            <h2>Parallel coordinates</h2>
            <span className="faint">{dims.length} axes · params that differ, then metrics</span>
          </div>
          <div className="card-body">
            {dims.length === 0 ? (
              <div className="muted">These runs have no params or metrics to plot.</div>
            ) : (
              <ParallelCoordinates
                dimensions={dims.map((field) => ({
                  id: field.id,
                  // A param and a metric may share a key (lr): say which is which.
                  label: dims.some((other) => other !== field && other.label === field.label)
                    ? `${field.group} ${field.label}`
                    : field.label,
                  values: loaded.map((run) => field.value(run)),
                }))}
                lines={loaded.map((run, index) => ({
                  id: run.id,
                  label: run.name,
                  color: colors[index] ?? '#888',
                }))}
              />
            )}
          </div>
        </section>
      ) : null}
      {tab === 'scatter' && xField && yField ? (
        <section className="card">
          <div className="card-header">
            <div className="toolbar">
              <FieldSelect
                label="X"
                fields={fields}
                value={xField.id}
                onChange={(id) => url.set({ sx: id })}
              />
              <FieldSelect
                label="Y"
                fields={fields}
                value={yField.id}
                onChange={(id) => url.set({ sy: id })}
              />
            </div>
          </div>
          <div className="card-body">
            <ScatterPlot
              xLabel={xField.label}
              yLabel={yField.label}
              points={loaded.map((run, index) => ({
                id: run.id,
                label: run.name,
                color: colors[index] ?? '#888',
                x: xField.value(run),
                y: yField.value(run),
              }))}
            />
          </div>
        </section>
      ) : null}
    </div>
  );
}

export default function Page() {
  return (
    <Suspense>
      <Compare />
    </Suspense>
  );
}
