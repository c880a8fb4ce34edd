import { matches, parseFilter, type Searchable, type SearchSpec } from '#functions/search/filter.ts';
import { offsetPage } from '#functions/search/offset-page.ts';
import { compareBy, parseOrderBy } from '#functions/search/order.ts';
import { userMap, valueAt } from '#table/user-maps.ts';
import type { LoggedModel } from './schema.ts';
import { listLoggedModelsOfExperiments } from './store.ts';

/** MLflow's logged-model search: attributes, plus the models' metrics, params and tags. */
export const loggedModelSearch: SearchSpec = {
  subject: 'logged models',
  attributes: {
    name: 'id',
    model_id: 'id',
    model_type: 'id',
    status: 'id',
    source_run_id: 'id',
    creation_timestamp: 'number',
    last_updated_timestamp: 'number',
  },
  aliases: { creation_time: 'creation_timestamp', last_updated_time: 'last_updated_timestamp' },
  types: ['metric', 'param', 'tag'],
  order: {
    attributes: [
      'name',
      'model_id',
      'model_type',
      'status',
      'source_run_id',
      'creation_timestamp',
      'last_updated_timestamp',
    ],
    aliases: { creation_time: 'creation_timestamp', last_updated_time: 'last_updated_timestamp' },
    types: ['metric'],
  },
  defaultOrder: [
    { type: 'attribute', key: 'creation_timestamp', ascending: false },
    { type: 'attribute', key: 'model_id', ascending: true },
  ],
};

/** What a filter sees of a model; a metric logged on several datasets counts by its latest value. */
function searchable(model: LoggedModel): Searchable {
  const metrics = userMap<number>();
  const latest = userMap<{ step: number; timestamp: number }>();
  for (const metric of model.metrics) {
    const seen = valueAt(latest, metric.key);
    if (seen && (seen.step > metric.step || (seen.step === metric.step && seen.timestamp > metric.timestamp)))
      continue;
    latest[metric.key] = metric;
    metrics[metric.key] = Number(metric.value);
  }
  return {
    attributes: {
      name: model.name,
      model_id: model.id,
      model_type: model.modelType,
      status: model.status,
      source_run_id: model.sourceRunId,
      creation_timestamp: model.createdAt,
      last_updated_timestamp: model.updatedAt,
    },
    metrics,
    params: model.params,
    tags: model.tags,
  };
}

/**
 * Logged-model search: every active model of the experiments, filtered and ordered in memory with
 * the same grammar as runs, newest first by default, and paged by offset.
 */
export async function searchLoggedModels(
  tenantId: string,
  request: {
    experimentIds: string[];
    filter?: string;
    orderBy?: string[];
    maxResults: number;
    pageToken?: string;
  },
): Promise<{ models: LoggedModel[]; nextPageToken?: string }> {
  const clauses = parseFilter(request.filter, loggedModelSearch);
  const order = compareBy(parseOrderBy(request.orderBy, loggedModelSearch), loggedModelSearch.defaultOrder);
  const all = await listLoggedModelsOfExperiments(tenantId, [...new Set(request.experimentIds)]);
  const kept = all
    .map((model) => ({ model, view: searchable(model) }))
    .filter(({ view }) => matches(view, clauses));
  kept.sort((a, b) => order(a.view, b.view));
  const { experimentIds, filter, orderBy } = request;
  const { items, nextPageToken } = offsetPage(kept, {
    ...request,
    query: [experimentIds, filter, orderBy],
  });
  const models = items.map(({ model }) => model);
  return nextPageToken ? { models, nextPageToken } : { models };
}
