import { matches, parseFilter, runSearch, type Searchable } from '#functions/search/filter.ts';
import { offsetPage } from '#functions/search/offset-page.ts';
import { parseOrderBy, sortBy } from '#functions/search/order.ts';
import { attributeTagsOf } from './attribute-tags.ts';
import type { Run, SearchRunsBody } from './schema.ts';
import { listRunsOfExperiment } from './store.ts';

/** The tag MLflow puts on a dataset input to say what it was used for (`training`, `eval`). */
const datasetContextTag = 'mlflow.data.context';

/** What a search filter and order see of a run: MLflow's attribute names, latest metric values. */
export function searchableRun(run: Run): Searchable {
  return {
    attributes: {
      run_id: run.id,
      run_name: run.name,
      status: run.status,
      user_id: run.user,
      artifact_uri: run.artifactUri,
      lifecycle_stage: run.lifecycleStage,
      start_time: run.startTime,
      end_time: run.endTime,
    },
    metrics: Object.fromEntries(
      Object.entries(run.metrics).map(([key, latest]) => [key, Number(latest.value)]),
    ),
    params: run.params,
    tags: { ...run.tags, ...attributeTagsOf(run) },
    datasets: run.inputs.datasets.map((dataset) => ({
      name: dataset.name,
      digest: dataset.digest,
      context: dataset.tags[datasetContextTag],
    })),
  };
}

interface Entry {
  run: Run;
  searchable: Searchable;
}

interface ExperimentRuns {
  runs: Map<string, Entry>;
  /** The newest `updatedAt` read so far. */
  watermark: number;
  lastUsed: number;
}

/**
 * Runs read by earlier searches in this warm container, per tenant and experiment. A search asks
 * the index only for runs written since the newest one it holds, minus `rereadMs` to cover writers
 * whose clocks lag or whose writes landed late; so a repeated search over 10,000 runs reads a
 * handful of items instead of all of them. Evicted by age and by total size.
 */
const cache = new Map<string, ExperimentRuns>();
const rereadMs = 30_000;
const idleEvictionMs = 15 * 60_000;
const maxCachedRuns = 200_000;

function evict(now: number) {
  let total = 0;
  for (const [key, entry] of cache) {
    if (now - entry.lastUsed > idleEvictionMs) cache.delete(key);
    else total += entry.runs.size;
  }
  const byAge = [...cache.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed);
  while (total > maxCachedRuns && byAge.length > 1) {
    const [key, entry] = byAge.shift()!;
    cache.delete(key);
    total -= entry.runs.size;
  }
}

async function runsOf(tenantId: string, experimentId: string): Promise<Iterable<Entry>> {
  const key = `${tenantId}/${experimentId}`;
  const now = Date.now();
  const held = cache.get(key);
  const changed = await listRunsOfExperiment(tenantId, experimentId, held ? held.watermark - rereadMs : undefined);
  const entry = held ?? { runs: new Map<string, Entry>(), watermark: 0, lastUsed: now };
  for (const { run, updatedAt } of changed) {
    entry.runs.set(run.id, { run, searchable: searchableRun(run) });
    entry.watermark = Math.max(entry.watermark, updatedAt);
  }
  entry.lastUsed = now;
  if (!held) {
    cache.set(key, entry);
    evict(now);
  }
  return entry.runs.values();
}

/**
 * Run search: the runs of the experiments (one item per run holds its params, tags and latest
 * metrics), filtered and ordered in memory with MLflow's semantics, paged by offset.
 */
export async function searchRuns(tenantId: string, request: SearchRunsBody): Promise<{ runs: Run[]; nextPageToken?: string }> {
  const clauses = parseFilter(request.filter, runSearch);
  const orderBy = parseOrderBy(request.orderBy, runSearch);
  const experiments = await Promise.all([...new Set(request.experimentIds)].map((id) => runsOf(tenantId, id)));
  const kept: Entry[] = [];
  for (const entries of experiments) {
    for (const entry of entries) {
      if (request.viewType !== 'all' && entry.run.lifecycleStage !== request.viewType) continue;
      if (matches(entry.searchable, clauses)) kept.push(entry);
    }
  }
  const ordered = sortBy(kept, (entry) => entry.searchable, orderBy, runSearch.defaultOrder);
  const { experimentIds, filter, viewType } = request;
  const query = [experimentIds, filter, request.orderBy, viewType];
  const { items, nextPageToken } = offsetPage(ordered, { ...request, query });
  const runs = items.map(({ run }) => run);
  return nextPageToken ? { runs, nextPageToken } : { runs };
}
