import Link from 'next/link';
import type { Column } from '@/components/ui/data-table';
import type { Run } from '@/lib/api/types';
import { formatDateTime, formatDuration, formatMetric, formatRelative } from '@/lib/format';
import { colorForId } from '@/lib/run-colors';
import { StatusLabel } from './status';

/** A data column's id: `params.<key>` or `metrics.<key>` (the key may hold dots). */
export type DataColumnId = `params.${string}` | `metrics.${string}`;

export function dataColumnKey(id: string): { type: 'params' | 'metrics'; key: string } | undefined {
  if (id.startsWith('params.')) return { type: 'params', key: id.slice('params.'.length) };
  if (id.startsWith('metrics.')) return { type: 'metrics', key: id.slice('metrics.'.length) };
  return undefined;
}

const attributeOrder: Record<string, string> = {
  name: 'attributes.run_name',
  status: 'attributes.status',
  startTime: 'attributes.start_time',
  user: 'attributes.user_id',
};

const quoteKey = (key: string) => `\`${key.replace(/`/g, '')}\``;

/**
 * The server's order_by clause for a column, or undefined when the server cannot order by it
 * (duration): the table then sorts the rows it holds.
 */
export function orderByFor(id: string, desc: boolean): string | undefined {
  const attribute = attributeOrder[id];
  const data = dataColumnKey(id);
  const target = attribute ?? (data ? `${data.type}.${quoteKey(data.key)}` : undefined);
  return target ? `${target} ${desc ? 'DESC' : 'ASC'}` : undefined;
}

export function runColumns(options: {
  params: string[];
  metrics: string[];
  allLoaded: boolean;
}): Column<Run>[] {
  const columns: Column<Run>[] = [
    {
      id: 'name',
      header: 'Run',
      width: 240,
      sortable: true,
      sticky: true,
      sortValue: (run) => run.name.toLowerCase(),
      cell: (run) => (
        <span className="cell-name">
          <span className="swatch" style={{ background: colorForId(run.id) }} />
          <Link href={`/run/?id=${run.id}`}>{run.name || run.id.slice(0, 8)}</Link>
        </span>
      ),
      title: (run) => run.name,
    },
    {
      id: 'status',
      header: 'Status',
      width: 104,
      sortable: true,
      sortValue: (run) => run.status,
      cell: (run) => <StatusLabel status={run.status} />,
    },
    {
      id: 'startTime',
      header: 'Started',
      width: 112,
      sortable: true,
      firstSort: 'desc',
      sortValue: (run) => run.startTime,
      cell: (run) => <span className="muted">{formatRelative(run.startTime)}</span>,
      title: (run) => formatDateTime(run.startTime),
    },
    {
      id: 'duration',
      header: 'Duration',
      width: 92,
      align: 'right',
      // The API cannot order by duration; the browser can once it holds every run.
      sortable: options.allLoaded,
      sortValue: (run) => run.durationMs,
      cell: (run) => <span className="muted">{formatDuration(run.durationMs)}</span>,
    },
    {
      id: 'user',
      header: 'User',
      width: 120,
      sortable: true,
      sortValue: (run) => run.user,
      cell: (run) => <span className="muted">{run.user}</span>,
      title: (run) => run.user,
    },
  ];
  for (const key of options.metrics) {
    columns.push({
      id: `metrics.${key}`,
      header: key,
      group: 'metric',
      width: Math.min(200, Math.max(96, key.length * 7.5 + 44)),
      align: 'right',
      sortable: true,
      sortValue: (run) => run.metrics[key]?.value,
      cell: (run) => formatMetric(run.metrics[key]?.value),
      title: (run) =>
        run.metrics[key] ? `${run.metrics[key].value} at step ${run.metrics[key].step}` : undefined,
    });
  }
  for (const key of options.params) {
    columns.push({
      id: `params.${key}`,
      header: key,
      group: 'param',
      width: Math.min(200, Math.max(88, key.length * 7.5 + 40)),
      sortable: true,
      sortValue: (run) => run.params[key],
      cell: (run) => <span className="mono">{run.params[key] ?? ''}</span>,
      title: (run) => run.params[key],
    });
  }
  return columns;
}
