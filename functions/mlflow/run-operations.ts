import { z } from 'zod';
import { EntryKey } from '#functions/experiments/fields.ts';
import { LoggedModelId } from '#functions/logged-models/schema.ts';
import * as LoggedModels from '#functions/logged-models/store.ts';
import { downsample } from '#functions/metrics/downsample.ts';
import { widestPoint } from '#functions/metrics/point.ts';
import * as Metrics from '#functions/metrics/store.ts';
import { attributeTag } from '#functions/runs/attribute-tags.ts';
import {
  BulkHistoryBody,
  CreateRunBody,
  DatasetInput,
  HistoryQuery,
  LogBatchBody,
  RunId,
  SearchRunsBody,
  UpdateRunBody,
} from '#functions/runs/schema.ts';
import { searchRuns } from '#functions/runs/search.ts';
import * as Runs from '#functions/runs/store.ts';
import { offsetPage } from '#functions/search/offset-page.ts';
import { operation } from '#http/operation.ts';
import { pageBudgetBytes, wireBytes } from '#http/response-budget.ts';
import { parseInput } from '#http/validate.ts';
import { userMap } from '#table/user-maps.ts';
import { metricJson, runInfoJson, runJson } from './render.ts';
import {
  aboutRun,
  cairnViewType,
  Int64,
  OneString,
  RunStatus,
  repeated,
  ViewType,
  WireExperimentId,
  WireModelId,
  WireRunId,
} from './wire.ts';

/**
 * Loose `{ key, value }` pairs: the Cairn schema they are piped into checks them. Hand-written
 * clients send numbers as values; protobuf's parser would refuse them, Cairn keeps their text.
 */
const Pair = z.object({
  key: z.string(),
  value: z.union([z.string(), z.number(), z.boolean()]).transform(String),
});

/** A metric value: a number, a numeric string (protobuf JSON allows one), or NaN/Infinity strings. */
const WireMetricValue = z.union([
  z.number(),
  z
    .string()
    .trim()
    .transform((value) => (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value) ? Number(value) : value)),
]);

const WireMetric = z.object({
  key: z.string(),
  value: WireMetricValue,
  timestamp: Int64.optional(),
  step: Int64.optional(),
  /** MLflow 3: the logged model this value evaluates, and on which dataset. */
  model_id: WireModelId.optional(),
  dataset_name: z.string().max(500).optional(),
  dataset_digest: z.string().max(36).optional(),
  // Echoed by MLflow 3 clients inside log-batch; the request's run is the one that counts.
  run_id: z.string().optional(),
});
type WireMetric = z.output<typeof WireMetric>;

/**
 * Everything MLflow logs to a run (log-batch, log-metric, log-parameter, set-tag) becomes one
 * Cairn batch, validated by the runs domain's own `LogBatchBody`. Two tags are attributes in
 * Cairn: `mlflow.runName` renames the run, and `mlflow.user` is whoever holds the API key.
 */
function toBatch(
  runId: string,
  logged: {
    metrics?: WireMetric[];
    params?: { key: string; value: string }[];
    tags?: { key: string; value: string }[];
  },
) {
  const metrics = logged.metrics ?? [];
  let rename: z.input<typeof UpdateRunBody> | undefined;
  const tags: { key: string; value: string }[] = [];
  for (const tag of logged.tags ?? []) {
    if (tag.key === attributeTag.name) rename = { name: tag.value };
    else if (tag.key !== attributeTag.user) tags.push(tag);
  }
  const batch: z.input<typeof LogBatchBody> = {
    metrics: metrics.map(({ key, value, timestamp, step }) => ({
      key,
      value: value as number,
      ...(timestamp === undefined ? {} : { timestamp }),
      ...(step === undefined ? {} : { step }),
    })),
    params: logged.params ?? [],
    tags,
  };
  const links = metrics.map((metric) =>
    metric.model_id === undefined
      ? null
      : {
          modelId: metric.model_id,
          datasetName: metric.dataset_name || null,
          datasetDigest: metric.dataset_digest || null,
        },
  );
  return { runId, batch, links, rename };
}

const LogRequest = z.object({
  runId: RunId,
  batch: LogBatchBody,
  links: z.array(
    z
      .object({
        modelId: LoggedModelId,
        datasetName: z.string().nullable(),
        datasetDigest: z.string().nullable(),
      })
      .nullable(),
  ),
  rename: UpdateRunBody.optional(),
});
type LogRequest = z.output<typeof LogRequest>;

/**
 * Logs a batch to a run, then to the logged models its metrics name. Every model is checked
 * first, so a batch naming an unknown model writes nothing.
 */
async function log(tenantId: string, request: LogRequest): Promise<Record<string, never>> {
  const { runId, batch, links, rename } = request;
  const modelIds = [...new Set(links.flatMap((link) => (link ? [link.modelId] : [])))];
  await Promise.all(modelIds.map((modelId) => LoggedModels.getLoggedModel(tenantId, modelId)));
  const receivedAt = Date.now();
  const metrics = batch.metrics.map((metric) => ({ ...metric, timestamp: metric.timestamp ?? receivedAt }));
  const fresh = await withoutRelogged(tenantId, runId, metrics, links);
  const toRun = { ...batch, metrics: fresh };
  const empty = toRun.metrics.length + toRun.params.length + toRun.tags.length === 0;
  if (!empty) await Runs.logBatch(tenantId, runId, toRun, receivedAt);
  // Nothing left to write still answers for the run: a missing one is RESOURCE_DOES_NOT_EXIST.
  else if (!rename) await Runs.getRun(tenantId, runId);
  if (rename) await Runs.updateRun(tenantId, runId, rename);
  for (const modelId of modelIds) {
    const forModel = metrics.flatMap((metric, index) => {
      const link = links[index];
      if (link?.modelId !== modelId) return [];
      const { key, value, step, timestamp } = metric;
      return [
        {
          key,
          value,
          step,
          timestamp,
          runId,
          datasetName: link.datasetName,
          datasetDigest: link.datasetDigest,
        },
      ];
    });
    await LoggedModels.recordLoggedModelMetrics(tenantId, modelId, forModel);
  }
  return {};
}

/**
 * MLflow 3's `log_model` reads a run's metrics back and logs them again with the new model's id.
 * MLflow's own store keeps one copy of an identical point; so does this one: a model-linked point
 * equal to one already in the run's history goes to the model only.
 */
async function withoutRelogged<M extends { key: string; value: number; step: number; timestamp: number }>(
  tenantId: string,
  runId: string,
  metrics: M[],
  links: LogRequest['links'],
): Promise<M[]> {
  const linkedKeys = [...new Set(metrics.filter((_, index) => links[index]).map((metric) => metric.key))];
  if (linkedKeys.length === 0) return metrics;
  const histories = await Metrics.readHistories(tenantId, runId, linkedKeys);
  const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));
  return metrics.filter(
    (metric, index) =>
      !links[index] ||
      !(histories.get(metric.key) ?? []).some(
        (point) =>
          point.step === metric.step &&
          point.timestamp === metric.timestamp &&
          same(point.value, metric.value),
      ),
  );
}

function logOperation(summary: string, body: z.ZodType<z.input<typeof LogRequest>>) {
  return operation({
    summary,
    body: body.pipe(LogRequest),
    handle: ({ caller, body: request }) => log(caller.tenantId, request),
  });
}

const CreateRun = z
  .object({
    experiment_id: WireExperimentId.optional(),
    // MLflow's clients send the local user; Cairn records who holds the API key instead.
    user_id: z.string().optional(),
    run_name: z.string().optional(),
    start_time: Int64.optional(),
    tags: z.array(Pair).optional(),
  })
  .refine(
    ({ run_name, tags }) => {
      const tagged = tags?.findLast((tag) => tag.key === attributeTag.name)?.value;
      return !run_name || tagged === undefined || tagged === run_name;
    },
    { message: `run_name differs from the ${attributeTag.name} tag`, path: ['run_name'] },
  )
  .transform(({ experiment_id, run_name, start_time, tags }): z.input<typeof CreateRunBody> => {
    const plain = userMap<string>();
    let name = run_name || undefined;
    let parentRunId: string | undefined;
    for (const { key, value } of tags ?? []) {
      if (key === attributeTag.name) name ??= value;
      else if (key === attributeTag.parentRunId) parentRunId = value;
      else if (key !== attributeTag.user) plain[key] = value;
    }
    return {
      experimentId: experiment_id ?? '0',
      tags: plain,
      ...(name ? { name } : {}),
      ...(start_time === undefined ? {} : { startTime: start_time }),
      ...(parentRunId ? { parentRunId } : {}),
    };
  })
  .pipe(CreateRunBody);

const UpdateRun = aboutRun({
  status: RunStatus.optional(),
  end_time: Int64.optional(),
  run_name: z.string().optional(),
})
  .transform(({ runId, status, end_time, run_name }) => {
    const change: z.input<typeof UpdateRunBody> = {};
    if (status) change.status = status;
    if (end_time !== undefined) change.endTime = end_time;
    if (run_name) change.name = run_name;
    // Nothing to change is a read, not Cairn's "give at least one field" refusal.
    return Object.keys(change).length > 0 ? { runId, change } : { runId };
  })
  .pipe(z.object({ runId: RunId, change: UpdateRunBody.optional() }));

const SearchRuns = z
  .object({
    experiment_ids: repeated(WireExperimentId).optional(),
    filter: OneString.optional(),
    run_view_type: ViewType.optional(),
    max_results: Int64.optional(),
    order_by: repeated(z.string()).optional(),
    page_token: OneString.optional(),
  })
  .transform((request): z.input<typeof SearchRunsBody> => {
    const search: z.input<typeof SearchRunsBody> = {
      experimentIds: request.experiment_ids ?? [],
      maxResults: request.max_results ?? 1000,
      viewType: cairnViewType[request.run_view_type ?? 'ACTIVE_ONLY'],
    };
    // MLflow's clients send empty strings for unset fields.
    if (request.filter) search.filter = request.filter;
    if (request.order_by?.length) search.orderBy = request.order_by;
    if (request.page_token) search.pageToken = request.page_token;
    return search;
  })
  .pipe(SearchRunsBody);

const LogInputs = aboutRun({
  datasets: z
    .array(
      z.object({
        tags: z.array(Pair).optional(),
        dataset: z.object({
          name: z.string(),
          digest: z.string(),
          source_type: z.string(),
          source: z.string(),
          schema: z.string().optional(),
          profile: z.string().optional(),
        }),
      }),
    )
    .max(1000)
    .optional(),
  models: z
    .array(z.object({ model_id: WireModelId }))
    .max(1000)
    .optional(),
})
  .transform(({ runId, datasets, models }) => ({
    runId,
    datasets: (datasets ?? []).map(
      ({ tags, dataset }): z.input<typeof DatasetInput> => ({
        name: dataset.name,
        digest: dataset.digest,
        sourceType: dataset.source_type,
        source: dataset.source,
        ...(dataset.schema ? { schema: dataset.schema } : {}),
        ...(dataset.profile ? { profile: dataset.profile } : {}),
        tags: userMap((tags ?? []).map(({ key, value }) => [key, value])),
      }),
    ),
    models: (models ?? []).map(({ model_id }) => ({ modelId: model_id })),
  }))
  .pipe(
    z.object({
      runId: RunId,
      datasets: z.array(DatasetInput),
      models: z.array(z.object({ modelId: LoggedModelId })),
    }),
  );

const GetHistory = aboutRun({
  metric_key: OneString,
  page_token: OneString.optional(),
  max_results: Int64.optional(),
})
  .transform(({ runId, metric_key, page_token, max_results }) => {
    const query: z.input<typeof HistoryQuery> = { key: metric_key, maxResults: max_results ?? 25_000 };
    if (page_token) query.pageToken = page_token;
    return { runId, query };
  })
  .pipe(z.object({ runId: RunId, query: HistoryQuery }));

const GetHistoryBulk = z
  .object({
    run_ids: repeated(WireRunId),
    metric_key: OneString,
    start_step: Int64.optional(),
    end_step: Int64.optional(),
    max_results: Int64.optional(),
  })
  .transform(({ run_ids, metric_key, start_step, end_step, max_results }) => {
    const request: z.input<typeof BulkHistoryBody> = {
      runIds: run_ids,
      keys: [metric_key],
      // MLflow's UI asks for 320 points a run; its server samples by step, Cairn keeps the shape.
      maxPoints: max_results ?? 320,
    };
    if (start_step !== undefined) request.startStep = start_step;
    if (end_step !== undefined) request.endStep = end_step;
    return request;
  })
  .pipe(BulkHistoryBody);

/** MLflow's `{}` reply to a write. */
const done = {};

/** The tag in which MLflow 2.x records the models a run logged (`runs/log-model`). */
const modelHistoryTag = 'mlflow.log-model.history';

function modelHistory(held: string | undefined): unknown[] {
  if (!held) return [];
  try {
    const parsed: unknown = JSON.parse(held);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

export const runOperations = {
  mlflowCreateRun: operation({
    summary: 'MLflow CreateRun; user_id is the API key holder, mlflow.runName names the run',
    body: CreateRun,
    handle: async ({ caller, body }) => ({
      run: runJson(await Runs.createRun(caller.tenantId, body, caller.principal)),
    }),
  }),

  mlflowGetRun: operation({
    summary: 'MLflow GetRun: info, data (latest metrics, params, tags), inputs and outputs',
    query: aboutRun({}),
    handle: async ({ caller, query }) => ({ run: runJson(await Runs.getRun(caller.tenantId, query.runId)) }),
  }),

  mlflowUpdateRun: operation({
    summary: 'MLflow UpdateRun (status, end time, name)',
    body: UpdateRun,
    handle: async ({ caller, body }) => {
      const run = body.change
        ? await Runs.updateRun(caller.tenantId, body.runId, body.change)
        : await Runs.getRun(caller.tenantId, body.runId);
      return { run_info: runInfoJson(run) };
    },
  }),

  mlflowDeleteRun: operation({
    summary: 'MLflow DeleteRun (soft, restorable)',
    body: aboutRun({}),
    handle: async ({ caller, body }) => {
      await Runs.setRunLifecycle(caller.tenantId, body.runId, 'deleted');
      return done;
    },
  }),

  mlflowRestoreRun: operation({
    summary: 'MLflow RestoreRun',
    body: aboutRun({}),
    handle: async ({ caller, body }) => {
      await Runs.setRunLifecycle(caller.tenantId, body.runId, 'active');
      return done;
    },
  }),

  mlflowSearchRuns: operation({
    summary: "MLflow SearchRuns: the same grammar, order and paging as Cairn's run search",
    body: SearchRuns,
    handle: async ({ caller, body }) => {
      const { runs, nextPageToken } = await searchRuns(caller.tenantId, body);
      return { runs: runs.map(runJson), ...(nextPageToken ? { next_page_token: nextPageToken } : {}) };
    },
  }),

  mlflowLogBatch: logOperation(
    'MLflow LogBatch: metrics appended, tags overwritten, params write-once',
    aboutRun({
      metrics: z.array(WireMetric).optional(),
      params: z.array(Pair).optional(),
      tags: z.array(Pair).optional(),
    }).transform(({ runId, ...logged }) => toBatch(runId, logged)),
  ),

  mlflowLogMetric: logOperation(
    'MLflow LogMetric (with MLflow 3, also on the logged model it names)',
    aboutRun(WireMetric.omit({ run_id: true }).shape).transform(({ runId, ...metric }) =>
      toBatch(runId, { metrics: [metric] }),
    ),
  ),

  mlflowLogParam: logOperation(
    'MLflow LogParam: a changed value is INVALID_PARAMETER_VALUE',
    aboutRun(Pair.shape).transform(({ runId, key, value }) => toBatch(runId, { params: [{ key, value }] })),
  ),

  mlflowSetTag: logOperation(
    'MLflow SetTag (mlflow.runName renames the run)',
    aboutRun(Pair.shape).transform(({ runId, key, value }) => toBatch(runId, { tags: [{ key, value }] })),
  ),

  mlflowDeleteTag: operation({
    summary: 'MLflow DeleteTag',
    body: aboutRun({ key: EntryKey }),
    handle: async ({ caller, body }) => {
      await Runs.deleteTag(caller.tenantId, body.runId, body.key);
      return done;
    },
  }),

  mlflowLogInputs: operation({
    summary: 'MLflow LogInputs: datasets (by name and digest) and logged models a run used',
    body: LogInputs,
    handle: async ({ caller, body }) => {
      await Promise.all(
        body.models.map(({ modelId }) => LoggedModels.getLoggedModel(caller.tenantId, modelId)),
      );
      await Runs.logInputs(caller.tenantId, body.runId, body);
      return done;
    },
  }),

  mlflowLogOutputs: operation({
    summary: 'MLflow 3 LogOutputs: the logged models a run produced, each at a step',
    body: aboutRun({
      models: z.array(z.object({ model_id: WireModelId, step: Int64.optional() })).max(1000),
    }),
    handle: async ({ caller, body }) => {
      await Promise.all(
        body.models.map(({ model_id }) => LoggedModels.getLoggedModel(caller.tenantId, model_id)),
      );
      const models = body.models.map(({ model_id, step }) => ({ modelId: model_id, step: step ?? 0 }));
      await Runs.logOutputs(caller.tenantId, body.runId, models);
      return done;
    },
  }),

  mlflowLogModel: operation({
    summary: 'MLflow 2.x LogModel: appends the model to the run tag mlflow.log-model.history',
    body: aboutRun({ model_json: z.string().max(100_000) }),
    handle: async ({ caller, body }) => {
      let model: unknown;
      try {
        model = JSON.parse(body.model_json);
      } catch {
        model = body.model_json;
      }
      const run = await Runs.getRun(caller.tenantId, body.runId);
      const value = JSON.stringify([...modelHistory(run.tags[modelHistoryTag]), model]);
      const request = toBatch(body.runId, { tags: [{ key: modelHistoryTag, value }] });
      return log(caller.tenantId, parseInput('body', LogRequest, request));
    },
  }),

  mlflowGetMetricHistory: operation({
    summary: 'MLflow GetMetricHistory: every value of one metric of a run, paged',
    query: GetHistory,
    handle: async ({ caller, query: { runId, query } }) => {
      await Runs.getRun(caller.tenantId, runId);
      const points = (await Metrics.readHistories(caller.tenantId, runId, [query.key])).get(query.key) ?? [];
      // Paged on the wire form, which repeats the key in every point.
      const metrics = points.map((point) => metricJson(query.key, point));
      const { items, nextPageToken } = offsetPage(metrics, { ...query, query: [runId, query.key] });
      return {
        metrics: items,
        ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
      };
    },
  }),

  mlflowGetMetricHistoryBulkInterval: operation({
    summary: "MLflow GetMetricHistoryBulkInterval: several runs' histories of one metric, sampled",
    query: GetHistoryBulk,
    handle: async ({ caller, query }) => {
      const range = { startStep: query.startStep, endStep: query.endStep };
      const key = query.keys[0] as string;
      // Every point repeats the key and the run id: the points per run are what fits the budget.
      const pointBytes = wireBytes(metricJson(key, widestPoint, query.runIds[0]));
      const share = Math.max(2, Math.floor(pageBudgetBytes / query.runIds.length / pointBytes));
      const maxPoints = Math.min(query.maxPoints ?? share, share);
      const perRun = await Promise.all(
        query.runIds.map(async (runId) => {
          await Runs.getRun(caller.tenantId, runId);
          const points = (await Metrics.readHistories(caller.tenantId, runId, [key], range)).get(key) ?? [];
          return downsample(points, maxPoints).map((point) => metricJson(key, point, runId));
        }),
      );
      return { metrics: perRun.flat() };
    },
  }),
};
