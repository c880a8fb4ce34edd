import {
  attributeEquals,
  matches,
  modelSearch,
  modelVersionSearch,
  parseFilter,
  runIdIn,
  type Searchable,
} from '#functions/search/filter.ts';
import { offsetPage } from '#functions/search/offset-page.ts';
import { compareBy, parseOrderBy } from '#functions/search/order.ts';
import { versionsTrainedOn } from './lineage.ts';
import { queryVersions, readModel, toVersion } from './model-items.ts';
import type { Model, ModelVersion } from './schema.ts';
import { listModels } from './store.ts';
import { versionsOfRun } from './versions.ts';

function searchableModel(model: Model): Searchable {
  return {
    attributes: {
      name: model.name,
      creation_timestamp: model.createdAt,
      last_updated_timestamp: model.updatedAt,
    },
    tags: model.tags,
  };
}

function searchableVersion(version: ModelVersion): Searchable {
  return {
    attributes: {
      name: version.name,
      run_id: version.runId,
      source_path: version.source,
      version: version.version,
      creation_timestamp: version.createdAt,
      last_updated_timestamp: version.updatedAt,
    },
    tags: version.tags,
  };
}

/** Registered models by MLflow's filter grammar (name, tags) and order_by; all read, paged by offset. */
export async function searchModels(
  tenantId: string,
  request: { filter?: string; orderBy?: string[]; maxResults: number; pageToken?: string },
): Promise<{ models: Model[]; nextPageToken?: string }> {
  const clauses = parseFilter(request.filter, modelSearch);
  const order = compareBy(parseOrderBy(request.orderBy, modelSearch), modelSearch.defaultOrder);
  const kept = (await listModels(tenantId))
    .map((model) => ({ model, view: searchableModel(model) }))
    .filter(({ view }) => matches(view, clauses))
    .sort((a, b) => order(a.view, b.view));
  const page = offsetPage(kept, { ...request, query: ['models', request.filter, request.orderBy] });
  const models = page.items.map(({ model }) => model);
  return page.nextPageToken ? { models, nextPageToken: page.nextPageToken } : { models };
}

/**
 * The candidates a version search must look at: the runs' versions when the filter or query pins
 * run ids, one model's when it pins a name, a dataset version's when one is named, else all.
 */
async function candidates(
  tenantId: string,
  request: { runId?: string; dataset?: string; datasetVersion?: string },
  clauses: ReturnType<typeof parseFilter>,
): Promise<ModelVersion[]> {
  if (request.dataset) {
    return (await versionsTrainedOn(tenantId, request.dataset, request.datasetVersion ?? 'latest')).versions;
  }
  const runIds = request.runId ? [request.runId] : runIdIn(clauses);
  if (runIds) return (await Promise.all(runIds.map((runId) => versionsOfRun(tenantId, runId)))).flat();
  const name = attributeEquals(clauses, 'name');
  const models =
    typeof name === 'string'
      ? [await readModel(tenantId, name)].filter((model) => model !== undefined)
      : await listModels(tenantId);
  const perModel = await Promise.all(
    models.map(async (model) =>
      (await queryVersions(tenantId, model.id)).map((item) => toVersion(item, model)),
    ),
  );
  return perModel.flat();
}

/**
 * Model versions by MLflow's filter grammar (`name = 'fraud'`, `run_id = '…'`, `tags.x = 'y'`), by
 * run, or by the dataset version they were trained on; ordered by name, then newest version.
 */
export async function searchVersions(
  tenantId: string,
  request: {
    filter?: string;
    orderBy?: string[];
    runId?: string;
    dataset?: string;
    datasetVersion?: string;
    maxResults: number;
    pageToken?: string;
  },
): Promise<{ versions: ModelVersion[]; nextPageToken?: string }> {
  const clauses = parseFilter(request.filter, modelVersionSearch);
  const order = compareBy(parseOrderBy(request.orderBy, modelVersionSearch), modelVersionSearch.defaultOrder);
  const kept = (await candidates(tenantId, request, clauses))
    .map((version) => ({ version, view: searchableVersion(version) }))
    .filter(({ view }) => matches(view, clauses))
    .sort((a, b) => order(a.view, b.view));
  const page = offsetPage(kept, {
    ...request,
    query: [
      'versions',
      request.filter,
      request.orderBy,
      request.runId,
      request.dataset,
      request.datasetVersion,
    ],
  });
  const versions = page.items.map(({ version }) => version);
  return page.nextPageToken ? { versions, nextPageToken: page.nextPageToken } : { versions };
}
