import { matches, parseFilter, runSearch, type Searchable } from '#functions/search/filter.ts';
import { offsetPage } from '#functions/search/offset-page.ts';
import { compareBy, parseOrderBy } from '#functions/search/order.ts';
import type { Run, SearchRunsBody } from './schema.ts';
import { listRunsOfExperiments } from './store.ts';

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
    tags: run.tags,
  };
}

/**
 * Run search: every run of the experiments is read from the index (one item per run holds its
 * params, tags and latest metrics), then filtered and ordered in memory with MLflow's semantics,
 * and paged by offset.
 */
export async function searchRuns(
  tenantId: string,
  request: SearchRunsBody,
): Promise<{ runs: Run[]; nextPageToken?: string }> {
  const clauses = parseFilter(request.filter, runSearch);
  const order = compareBy(parseOrderBy(request.orderBy, runSearch), runSearch.defaultOrder);
  const all = await listRunsOfExperiments(tenantId, [...new Set(request.experimentIds)]);
  const kept = all
    .filter((run) => request.viewType === 'all' || run.lifecycleStage === request.viewType)
    .map((run) => ({ run, searchable: searchableRun(run) }))
    .filter(({ searchable }) => matches(searchable, clauses));
  kept.sort((a, b) => order(a.searchable, b.searchable));

  const { experimentIds, filter, orderBy, viewType } = request;
  const { items, nextPageToken } = offsetPage(kept, {
    ...request,
    query: [experimentIds, filter, orderBy, viewType],
  });
  const runs = items.map(({ run }) => run);
  return nextPageToken ? { runs, nextPageToken } : { runs };
}
