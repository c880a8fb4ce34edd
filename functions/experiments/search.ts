import { experimentSearch, matches, parseFilter, type Searchable } from '#functions/search/filter.ts';
import { offsetPage } from '#functions/search/offset-page.ts';
import { compareBy, parseOrderBy } from '#functions/search/order.ts';
import type { ViewType } from './fields.ts';
import type { Experiment } from './schema.ts';
import { listExperiments } from './store.ts';

function searchable(experiment: Experiment): Searchable {
  return {
    attributes: {
      name: experiment.name,
      experiment_id: experiment.id,
      creation_time: experiment.createdAt,
      last_update_time: experiment.updatedAt,
    },
    tags: experiment.tags,
  };
}

/** Experiment search: all of a tenant's experiments, filtered and ordered in memory, paged by offset. */
export async function searchExperiments(
  tenantId: string,
  request: {
    filter?: string;
    orderBy?: string[];
    maxResults: number;
    pageToken?: string;
    viewType: ViewType;
  },
): Promise<{ experiments: Experiment[]; nextPageToken?: string }> {
  const clauses = parseFilter(request.filter, experimentSearch);
  const order = compareBy(parseOrderBy(request.orderBy, experimentSearch), experimentSearch.defaultOrder);
  const kept = (await listExperiments(tenantId))
    .filter((experiment) => request.viewType === 'all' || experiment.lifecycleStage === request.viewType)
    .map((experiment) => ({ experiment, view: searchable(experiment) }))
    .filter(({ view }) => matches(view, clauses));
  kept.sort((a, b) => order(a.view, b.view));
  const { items, nextPageToken } = offsetPage(kept, {
    ...request,
    query: [request.filter, request.orderBy, request.viewType],
  });
  const experiments = items.map(({ experiment }) => experiment);
  return nextPageToken ? { experiments, nextPageToken } : { experiments };
}
