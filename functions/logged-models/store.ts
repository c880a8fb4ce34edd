import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as Experiments from '#functions/experiments/store.ts';
import { isLater, toWire } from '#functions/metrics/point.ts';
import { generateRunName } from '#functions/runs/names.ts';
import * as Runs from '#functions/runs/store.ts';
import { CairnError } from '#http/errors.ts';
import { isConditionFailure, table } from '#table/client.ts';
import { indexes } from '#table/definition.ts';
import { keys } from '#table/keys.ts';
import { maxItemBytes } from '#table/limits.ts';
import { asUserMap, fromStoredMap, hasKey, patched, toStoredMap, without } from '#table/user-maps.ts';
import type { LoggedModel, LoggedModelMetric, LoggedModelStatus } from './schema.ts';

/** A metric as stored: the value as a string, since DynamoDB numbers cannot hold NaN or 1e300. */
interface StoredMetric extends Omit<LoggedModelMetric, 'value'> {
  value: string;
}

interface LoggedModelItem extends Omit<LoggedModel, 'metrics'> {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  metrics: StoredMetric[];
  /** Bumped by every write; a write succeeds only on the version it read. */
  version: number;
}

/** One metric to record on a model: the point a run logged with the model's id. */
export interface ModelMetricInput {
  key: string;
  value: number;
  step: number;
  timestamp: number;
  runId: string | null;
  datasetName: string | null;
  datasetDigest: string | null;
}

const maxAttempts = 8;

const notFound = (modelId: string) =>
  new CairnError('logged_models.not_found', `Logged model ${modelId} does not exist`, { modelId });

/*
 * Params and tags are keyed by the user's names: null-prototype maps in memory, escaped keys in the
 * table (`#table/user-maps.ts`).
 */
const fromTable = (item: LoggedModelItem): LoggedModelItem => ({
  ...item,
  params: fromStoredMap(item.params),
  tags: fromStoredMap(item.tags),
});
const toTable = (item: LoggedModelItem): LoggedModelItem => ({
  ...item,
  params: toStoredMap(item.params),
  tags: toStoredMap(item.tags),
});

function toModel(item: LoggedModelItem): LoggedModel {
  const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, version: _v, metrics, ...model } = item;
  return { ...model, metrics: metrics.map((metric) => ({ ...metric, value: toWire(Number(metric.value)) })) };
}

function checkSize(item: LoggedModelItem) {
  const size = Buffer.byteLength(JSON.stringify(item));
  const limit = maxItemBytes - 16 * 1024;
  if (size > limit) {
    throw new CairnError(
      'logged_models.too_large',
      `Logged model ${item.id} would hold ${size} bytes of params, tags and metrics; the limit is about ${limit}`,
      { modelId: item.id, limit },
    );
  }
}

/**
 * Creates a logged model, PENDING until its files are uploaded and it is finalized. Its files go
 * under the experiment's artifact location, as MLflow lays them out: `<location>/models/<id>/artifacts`.
 */
export async function createLoggedModel(
  tenantId: string,
  input: {
    experimentId: string;
    name?: string;
    modelType?: string;
    sourceRunId?: string;
    params?: Record<string, string>;
    tags?: Record<string, string>;
  },
  user: string,
): Promise<LoggedModel> {
  const experiment = await Experiments.getExperiment(tenantId, input.experimentId);
  if (experiment.lifecycleStage !== 'active') {
    throw new CairnError(
      'experiments.not_active',
      `Experiment ${experiment.id} is deleted; restore it first`,
      {
        experimentId: experiment.id,
      },
    );
  }
  if (input.sourceRunId) await Runs.getRun(tenantId, input.sourceRunId);
  const id = `m-${randomBytes(16).toString('hex')}`;
  const now = Date.now();
  const item: LoggedModelItem = {
    ...keys.loggedModel(tenantId, id),
    gsi1pk: keys.loggedModelsOfExperiment(tenantId, experiment.id),
    gsi1sk: keys.loggedModelOrder(now, id),
    id,
    experimentId: experiment.id,
    name: input.name ?? generateRunName(),
    modelType: input.modelType ?? null,
    sourceRunId: input.sourceRunId ?? null,
    status: 'LOGGED_MODEL_PENDING',
    statusMessage: null,
    lifecycleStage: 'active',
    artifactUri: `${experiment.artifactLocation}/models/${id}/artifacts`,
    user,
    createdAt: now,
    updatedAt: now,
    params: asUserMap(input.params),
    tags: asUserMap(input.tags),
    metrics: [],
    version: 1,
  };
  checkSize(item);
  const { name, doc } = table();
  await doc.send(
    new PutCommand({ TableName: name, Item: toTable(item), ConditionExpression: 'attribute_not_exists(pk)' }),
  );
  return toModel(item);
}

async function readItem(tenantId: string, modelId: string, consistent = false): Promise<LoggedModelItem> {
  const { name, doc } = table();
  const { Item } = await doc.send(
    new GetCommand({ TableName: name, Key: keys.loggedModel(tenantId, modelId), ConsistentRead: consistent }),
  );
  // A deleted model is gone for every reader, as in MLflow; its files stay until retention.
  if (Item?.lifecycleStage !== 'active') throw notFound(modelId);
  return fromTable(Item as LoggedModelItem);
}

/** One logged model (key `loggedModel`); deleted ones are not found. */
export async function getLoggedModel(tenantId: string, modelId: string): Promise<LoggedModel> {
  return toModel(await readItem(tenantId, modelId));
}

/** Read, change, write back on the version read; on a concurrent write, read again and retry. */
async function mutate(
  tenantId: string,
  modelId: string,
  change: (item: LoggedModelItem) => LoggedModelItem,
): Promise<LoggedModel> {
  const { name, doc } = table();
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const current = await readItem(tenantId, modelId, true);
    // `change` builds what it changes anew (never edits `current`), so a retry starts from a fresh read.
    const next = { ...change(current), version: current.version + 1, updatedAt: Date.now() };
    checkSize(next);
    try {
      await doc.send(
        new PutCommand({
          TableName: name,
          Item: toTable(next),
          ConditionExpression: 'version = :seen',
          ExpressionAttributeValues: { ':seen': current.version },
        }),
      );
      return toModel(next);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  throw new CairnError(
    'logged_models.busy',
    `Logged model ${modelId} is being written by many clients at once; retry`,
    {
      modelId,
    },
  );
}

/** Marks the upload of a model's files as done (READY) or failed. */
export function finalizeLoggedModel(
  tenantId: string,
  modelId: string,
  status: LoggedModelStatus,
  statusMessage?: string,
): Promise<LoggedModel> {
  return mutate(tenantId, modelId, (item) => ({ ...item, status, statusMessage: statusMessage ?? null }));
}

/** Sets tags; an existing key takes the new value. */
export function setLoggedModelTags(
  tenantId: string,
  modelId: string,
  tags: Record<string, string>,
): Promise<LoggedModel> {
  return mutate(tenantId, modelId, (item) => ({ ...item, tags: patched(item.tags, tags) }));
}

export function deleteLoggedModelTag(tenantId: string, modelId: string, key: string): Promise<LoggedModel> {
  return mutate(tenantId, modelId, (item) => {
    if (!hasKey(item.tags, key)) {
      throw new CairnError('logged_models.tag_not_found', `Logged model ${modelId} has no tag "${key}"`, {
        modelId,
        key,
      });
    }
    return { ...item, tags: without(item.tags, (name) => name === key) };
  });
}

/** Adds params; as with MLflow's logged models, a key logged again takes the new value. */
export function logLoggedModelParams(
  tenantId: string,
  modelId: string,
  params: Record<string, string>,
): Promise<LoggedModel> {
  return mutate(tenantId, modelId, (item) => ({ ...item, params: patched(item.params, params) }));
}

/**
 * Records metrics a run logged with this model's id. The model keeps the latest value of each
 * metric per dataset (highest step, then newest), which is what comparisons of models read; the
 * full history stays with the run.
 */
export function recordLoggedModelMetrics(
  tenantId: string,
  modelId: string,
  metrics: ModelMetricInput[],
): Promise<LoggedModel> {
  return mutate(tenantId, modelId, (item) => {
    const held = [...item.metrics];
    for (const metric of metrics) {
      const index = held.findIndex(
        (known) =>
          known.key === metric.key &&
          known.datasetName === metric.datasetName &&
          known.datasetDigest === metric.datasetDigest,
      );
      const known = held[index];
      if (known && !isLater(metric, { ...known, value: Number(known.value) })) continue;
      const stored = { ...metric, value: String(metric.value) };
      if (known) held[index] = stored;
      else held.push(stored);
    }
    return { ...item, metrics: held };
  });
}

/** Soft delete: the model disappears for readers; its files stay until retention removes them. */
export async function deleteLoggedModel(tenantId: string, modelId: string): Promise<void> {
  await mutate(tenantId, modelId, (item) => ({ ...item, lifecycleStage: 'deleted' }));
}

/** Every active logged model of some experiments (GSI1, `loggedModelsOfExperiment`), for search. */
export async function listLoggedModelsOfExperiments(
  tenantId: string,
  experimentIds: string[],
): Promise<LoggedModel[]> {
  const { name, doc } = table();
  const pages = await Promise.all(
    experimentIds.map(async (experimentId) => {
      const found: LoggedModel[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: name,
            IndexName: indexes.gsi1,
            KeyConditionExpression: 'gsi1pk = :pk',
            FilterExpression: 'lifecycleStage = :active',
            ExpressionAttributeValues: {
              ':pk': keys.loggedModelsOfExperiment(tenantId, experimentId),
              ':active': 'active',
            },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) found.push(toModel(fromTable(item as LoggedModelItem)));
        start = page.LastEvaluatedKey;
      } while (start);
      return found;
    }),
  );
  return pages.flat();
}
