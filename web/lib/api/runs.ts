import { noteTag, pointsFromWire, runFromWire } from './reshape';
import { request } from './transport';
import type { MetricPoint, MetricSeries, Page, Run, ViewType } from './types';
import type { WirePoint, WireRun } from './wire';

export interface RunSearch {
  experimentIds: string[];
  /** MLflow's grammar: `metrics.acc > 0.9 and params.lr = '0.01'`. */
  filter?: string;
  /** MLflow's order_by clauses: `metrics.acc DESC`. */
  orderBy?: string[];
  viewType?: ViewType;
  maxResults?: number;
  pageToken?: string;
  signal?: AbortSignal;
}

export async function searchRuns(search: RunSearch): Promise<Page<Run>> {
  const { signal, ...body } = search;
  const answer = await request<{ runs: WireRun[]; nextPageToken?: string }>('POST', '/runs/search', {
    body: { ...body, filter: body.filter?.trim() || undefined },
    signal,
  });
  const now = Date.now();
  return { items: answer.runs.map((run) => runFromWire(run, now)), nextPageToken: answer.nextPageToken };
}

export async function getRun(id: string, signal?: AbortSignal): Promise<Run> {
  const answer = await request<{ run: WireRun }>('GET', `/runs/${encodeURIComponent(id)}`, { signal });
  return runFromWire(answer.run);
}

/** The runs whose MLflow parent tag names this run (what MLflow clients set for nested runs). */
export async function childRuns(run: Run, signal?: AbortSignal): Promise<Run[]> {
  const page = await searchRuns({
    experimentIds: [run.experimentId],
    filter: `tags.\`mlflow.parentRunId\` = '${run.id}'`,
    maxResults: 200,
    signal,
  });
  return page.items;
}

export async function renameRun(id: string, name: string): Promise<Run> {
  const answer = await request<{ run: WireRun }>('PATCH', `/runs/${encodeURIComponent(id)}`, {
    body: { name },
  });
  return runFromWire(answer.run);
}

export async function setRunNotes(id: string, notes: string): Promise<void> {
  await request('POST', `/runs/${encodeURIComponent(id)}/log`, {
    body: { tags: [{ key: noteTag, value: notes }] },
  });
}

export async function deleteRun(id: string): Promise<Run> {
  const answer = await request<{ run: WireRun }>('DELETE', `/runs/${encodeURIComponent(id)}`);
  return runFromWire(answer.run);
}

export async function restoreRun(id: string): Promise<Run> {
  const answer = await request<{ run: WireRun }>('POST', `/runs/${encodeURIComponent(id)}/restore`);
  return runFromWire(answer.run);
}

/**
 * One metric's history, downsampled on the server to about `maxPoints` (the chart's width in
 * pixels): a 100,000-point history arrives as a thousand points that keep its shape.
 */
export async function metricHistory(
  runId: string,
  key: string,
  options: { maxPoints: number; signal?: AbortSignal },
): Promise<MetricPoint[]> {
  const answer = await request<{ points: WirePoint[] }>(
    'GET',
    `/runs/${encodeURIComponent(runId)}/metric-history`,
    {
      query: { key, maxPoints: Math.max(2, Math.min(100_000, Math.round(options.maxPoints))) },
      signal: options.signal,
    },
  );
  return pointsFromWire(answer.points);
}

/** Limits of the bulk history call, per request. */
export const bulkHistoryLimits = { runs: 100, keys: 50 } as const;

/** Several metrics of several runs at once, for comparison charts. */
export async function metricHistories(
  runIds: string[],
  keys: string[],
  options: { maxPoints: number; signal?: AbortSignal },
): Promise<MetricSeries[]> {
  const series: MetricSeries[] = [];
  for (let offset = 0; offset < keys.length; offset += bulkHistoryLimits.keys) {
    const answer = await request<{ series: { runId: string; key: string; points: WirePoint[] }[] }>(
      'POST',
      '/metrics/history',
      {
        body: {
          runIds: runIds.slice(0, bulkHistoryLimits.runs),
          keys: keys.slice(offset, offset + bulkHistoryLimits.keys),
          maxPoints: Math.max(2, Math.min(100_000, Math.round(options.maxPoints))),
        },
        signal: options.signal,
      },
    );
    series.push(
      ...answer.series.map((one) => ({ runId: one.runId, key: one.key, points: pointsFromWire(one.points) })),
    );
  }
  return series;
}
