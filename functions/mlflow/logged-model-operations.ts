import { z } from 'zod';
import { EntryKey } from '#functions/experiments/fields.ts';
import { searchLoggedModels } from '#functions/logged-models/search.ts';
import * as LoggedModels from '#functions/logged-models/store.ts';
import { RunId } from '#functions/runs/schema.ts';
import { operation } from '#http/operation.ts';
import { loggedModelJson } from './render.ts';
import {
  Int64,
  LoggedModelStatus,
  ParamList,
  repeated,
  TagList,
  toRecord,
  WireExperimentId,
  WireModelId,
} from './wire.ts';

/** MLflow sends at most 100 params and tags per request; the store's item limit is the real bound. */
const perRequest = 100;

const ModelPath = z.object({ modelId: WireModelId });

const ModelName = z
  .string()
  .min(1)
  .max(500, 'must be at most 500 characters')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

const CreateLoggedModel = z
  .object({
    experiment_id: WireExperimentId,
    name: ModelName.optional(),
    model_type: z.string().max(500).optional(),
    source_run_id: RunId.optional(),
    params: ParamList.max(perRequest).optional(),
    tags: TagList.max(perRequest).optional(),
  })
  .transform((request) => ({
    experimentId: request.experiment_id,
    ...(request.name ? { name: request.name } : {}),
    ...(request.model_type ? { modelType: request.model_type } : {}),
    ...(request.source_run_id ? { sourceRunId: request.source_run_id } : {}),
    params: toRecord(request.params),
    tags: toRecord(request.tags),
  }));

/** MLflow sends order_by as structured clauses; Cairn's parser reads the same clause as text. */
const OrderBy = z.object({
  field_name: z.string().min(1).max(500),
  ascending: z.boolean().optional(),
  dataset_name: z.string().optional(),
  dataset_digest: z.string().optional(),
});

const SearchLoggedModels = z
  .object({
    experiment_ids: repeated(WireExperimentId).pipe(z.array(z.string()).min(1).max(100)),
    filter: z.string().max(10_000).optional(),
    // Accepted, not applied: each model keeps its metrics per dataset, but filters read the latest.
    datasets: z
      .array(z.object({ dataset_name: z.string(), dataset_digest: z.string().optional() }))
      .optional(),
    // Pages of at most 1,000; a client asking for more follows the page token.
    max_results: Int64.optional().transform((value) => Math.max(1, Math.min(value ?? 50, 1000))),
    order_by: z.array(OrderBy).max(20).optional(),
    page_token: z.string().max(4000).optional(),
  })
  .transform((request) => ({
    experimentIds: request.experiment_ids,
    ...(request.filter ? { filter: request.filter } : {}),
    ...(request.order_by?.length
      ? {
          orderBy: request.order_by.map(
            (clause) => `${clause.field_name} ${clause.ascending === false ? 'DESC' : 'ASC'}`,
          ),
        }
      : {}),
    maxResults: request.max_results,
    ...(request.page_token ? { pageToken: request.page_token } : {}),
  }));

/** MLflow's `{}` reply to a write. */
const done = {};

export const loggedModelOperations = {
  mlflowCreateLoggedModel: operation({
    summary: 'MLflow 3 CreateLoggedModel: PENDING until finalized, files under the experiment',
    body: CreateLoggedModel,
    handle: async ({ caller, body }) => ({
      model: loggedModelJson(await LoggedModels.createLoggedModel(caller.tenantId, body, caller.principal)),
    }),
  }),

  mlflowGetLoggedModel: operation({
    summary: 'MLflow 3 GetLoggedModel',
    path: ModelPath,
    handle: async ({ caller, path }) => ({
      model: loggedModelJson(await LoggedModels.getLoggedModel(caller.tenantId, path.modelId)),
    }),
  }),

  mlflowFinalizeLoggedModel: operation({
    summary: 'MLflow 3 FinalizeLoggedModel: READY once its files are uploaded, or UPLOAD_FAILED',
    path: ModelPath,
    body: z.object({ model_id: WireModelId.optional(), status: LoggedModelStatus }),
    handle: async ({ caller, path, body }) => ({
      model: loggedModelJson(
        await LoggedModels.finalizeLoggedModel(caller.tenantId, path.modelId, body.status),
      ),
    }),
  }),

  mlflowDeleteLoggedModel: operation({
    summary: 'MLflow 3 DeleteLoggedModel (soft: readers no longer find it)',
    path: ModelPath,
    body: z.object({ model_id: WireModelId.optional() }),
    handle: async ({ caller, path }) => {
      await LoggedModels.deleteLoggedModel(caller.tenantId, path.modelId);
      return done;
    },
  }),

  mlflowSearchLoggedModels: operation({
    summary: 'MLflow 3 SearchLoggedModels: the run search grammar over models, newest first',
    body: SearchLoggedModels,
    handle: async ({ caller, body }) => {
      const { models, nextPageToken } = await searchLoggedModels(caller.tenantId, body);
      return {
        models: models.map(loggedModelJson),
        ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
      };
    },
  }),

  mlflowSetLoggedModelTags: operation({
    summary: 'MLflow 3 SetLoggedModelTags',
    path: ModelPath,
    body: z.object({ tags: TagList.max(perRequest).optional() }),
    handle: async ({ caller, path, body }) => ({
      model: loggedModelJson(
        await LoggedModels.setLoggedModelTags(caller.tenantId, path.modelId, toRecord(body.tags)),
      ),
    }),
  }),

  mlflowDeleteLoggedModelTag: operation({
    summary: 'MLflow 3 DeleteLoggedModelTag: a missing tag is RESOURCE_DOES_NOT_EXIST',
    path: ModelPath.extend({ key: EntryKey }),
    handle: async ({ caller, path }) => {
      await LoggedModels.deleteLoggedModelTag(caller.tenantId, path.modelId, path.key);
      return done;
    },
  }),

  mlflowLogLoggedModelParams: operation({
    summary: 'MLflow 3 LogLoggedModelParams',
    path: ModelPath,
    body: z.object({ model_id: WireModelId.optional(), params: ParamList.max(perRequest).optional() }),
    handle: async ({ caller, path, body }) => {
      await LoggedModels.logLoggedModelParams(caller.tenantId, path.modelId, toRecord(body.params));
      return done;
    },
  }),
};
