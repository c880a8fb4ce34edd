import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as Experiments from '#functions/experiments/store.ts';
import { decodeLatest, encodeLatest } from '#functions/metrics/latest.ts';
import { isLater, type KeyedPoint, toWire } from '#functions/metrics/point.ts';
import * as Metrics from '#functions/metrics/store.ts';
import { CairnError } from '#http/errors.ts';
import { isConditionFailure, table } from '#table/client.ts';
import { indexes } from '#table/definition.ts';
import { keys, runShards } from '#table/keys.ts';
import { maxItemBytes } from '#table/limits.ts';
import { transactWrite } from '#table/transact.ts';
import {
  asUserMap,
  fromStoredMap,
  hasKey,
  storedKey,
  toStoredMap,
  userMap,
  valueAt,
} from '#table/user-maps.ts';
import { generateRunName } from './names.ts';
import type { DatasetInput, LogBatchBody, Run, RunInputs, RunOutputs, RunStatus } from './schema.ts';

/** What a run holds that grows with use: kept as one JSON attribute. */
interface RunData {
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Absent on runs that never logged any. */
  inputs?: RunInputs;
  outputs?: RunOutputs;
}

/**
 * The run item: the run's attributes; `data` (params, tags, inputs, outputs) as one JSON string,
 * because search reads every run of an experiment and one string unmarshals about five times
 * faster than forty nested maps; and `latest`, one sortable string per metric key (see
 * `#functions/metrics/latest.ts`), which DynamoDB keeps current without a read.
 */
interface RunItem extends Omit<Run, 'metrics' | 'params' | 'tags' | 'inputs' | 'outputs'> {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  data: string;
  latest: Record<string, string>;
  /** When the item was last written (ms); also its GSI1 sort key. */
  updatedAt: number;
  /** Bumped by every write; a write succeeds only on the version it read. */
  version: number;
  /** The last batch ids applied, so that a retried batch changes nothing twice. */
  batches: string[];
}

/** A run item opened for change: its data parsed. */
interface OpenRun extends Omit<RunItem, 'data'>, RunData {}

const rememberedBatches = 32;
const maxAttempts = 8;

const notFound = (runId: string) =>
  new CairnError('runs.not_found', `Run ${runId} does not exist`, { runId });

/** The later of two encoded latest points of one key (`encodeLatest` strings sort by "later"). */
const later = (a: string, b: string) => (a > b ? a : b);

/**
 * Parses a run item. Params, tags and latest values are keyed by the user's names, so they come out
 * as null-prototype maps (`#table/user-maps.ts`); `latest` is a DynamoDB map, its keys escaped.
 */
function open(item: RunItem): OpenRun {
  const { data, latest, ...rest } = item;
  const parsed = JSON.parse(data) as RunData;
  return {
    ...rest,
    ...parsed,
    params: asUserMap(parsed.params),
    tags: asUserMap(parsed.tags),
    latest: fromStoredMap(latest, later),
  };
}

/** Serialises a run for writing; every write moves it to the end of GSI1's change order. */
function close(run: OpenRun): RunItem {
  const { params, tags, inputs, outputs, ...rest } = run;
  const updatedAt = Math.max(Date.now(), run.updatedAt + 1);
  return {
    ...rest,
    latest: toStoredMap(run.latest),
    updatedAt,
    gsi1sk: keys.runChangeOrder(updatedAt, run.id),
    data: JSON.stringify({ params, tags, inputs, outputs } satisfies RunData),
  };
}

function toRun(item: RunItem): Run {
  const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, version: _v, batches: _b, updatedAt: _u, latest: stored, ...run } =
    open(item);
  const latest: Run['metrics'] = userMap();
  for (const [key, encoded] of Object.entries(stored)) {
    const { value, step, timestamp } = decodeLatest(encoded);
    latest[key] = { value: toWire(value), step, timestamp };
  }
  return {
    ...run,
    metrics: latest,
    inputs: run.inputs ?? { datasets: [], models: [] },
    outputs: run.outputs ?? { models: [] },
  };
}

/** A run lives in one of `runShards` index partitions, chosen from its id, so one experiment's runs spread out. */
function shardOf(runId: string): number {
  return Number.parseInt(runId.slice(0, 4), 16) % runShards;
}


const busy = (runId: string) =>
  new CairnError('runs.busy', `Run ${runId} is being written by many clients at once; retry`, { runId });

const tooLarge = (runId: string, size?: number) =>
  new CairnError(
    'runs.too_large',
    `Run ${runId} would hold ${size ?? 'more'} bytes of params, tags and metric keys; the limit is about ${maxItemBytes - 16 * 1024}`,
    { runId, limit: maxItemBytes - 16 * 1024 },
  );

function checkSize(item: RunItem) {
  // JSON length is a close upper bound of DynamoDB's item size for this string-heavy item.
  const size = Buffer.byteLength(JSON.stringify(item));
  if (size > maxItemBytes - 16 * 1024) throw tooLarge(item.id, size);
}

/**
 * Creates a run in an active experiment. The run item and the experiment's run count are written
 * in one transaction: a run never lands in a deleted or missing experiment.
 */
export async function createRun(
  tenantId: string,
  input: {
    experimentId: string;
    name?: string;
    tags?: Record<string, string>;
    params?: Record<string, string>;
    startTime?: number;
    parentRunId?: string;
  },
  user: string,
): Promise<Run> {
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
  if (input.parentRunId) await getRun(tenantId, input.parentRunId);
  const id = randomBytes(16).toString('hex');
  const startTime = input.startTime ?? Date.now();
  const item = close({
    ...keys.run(tenantId, id),
    gsi1pk: keys.runsOfExperiment(tenantId, experiment.id, shardOf(id)),
    gsi1sk: '',
    updatedAt: 0,
    id,
    experimentId: experiment.id,
    name: input.name ?? generateRunName(),
    status: 'RUNNING',
    startTime,
    endTime: null,
    lifecycleStage: 'active',
    user,
    parentRunId: input.parentRunId ?? null,
    artifactUri: `${experiment.artifactLocation}/${id}/artifacts`,
    params: asUserMap(input.params),
    tags: asUserMap(input.tags),
    latest: userMap(),
    version: 1,
    batches: [],
  });
  checkSize(item);
  const { name } = table();
  await transactWrite(
    () => ({
      items: [
        { Put: { TableName: name, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
        Experiments.runCreatedWrite(tenantId, experiment.id, Date.now()),
      ],
      result: undefined,
      // The run's id is new by construction; the experiment's condition is that it is still active.
      onConditionFailed: (index) =>
        index === 1
          ? new CairnError('experiments.not_active', `Experiment ${experiment.id} was deleted meanwhile`, {
              experimentId: experiment.id,
            })
          : undefined,
    }),
    { busy: () => busy(id), tooLarge: () => tooLarge(id) },
  );
  return toRun(item);
}

async function readItem(tenantId: string, runId: string, consistent = false): Promise<RunItem> {
  const { name, doc } = table();
  const { Item } = await doc.send(
    new GetCommand({ TableName: name, Key: keys.run(tenantId, runId), ConsistentRead: consistent }),
  );
  if (!Item) throw notFound(runId);
  return Item as RunItem;
}

/** One run (key `run`), deleted ones included. */
export async function getRun(tenantId: string, runId: string): Promise<Run> {
  return toRun(await readItem(tenantId, runId));
}

/**
 * Read, change, write back on the version read; on a concurrent write, read again and retry.
 * `change` returns `undefined` when there is nothing to write.
 */
async function mutateRun(
  tenantId: string,
  runId: string,
  change: (run: OpenRun) => OpenRun | undefined,
): Promise<RunItem> {
  const { name, doc } = table();
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const current = await readItem(tenantId, runId, true);
    const changed = change(open(current));
    if (!changed) return current;
    changed.version = current.version + 1;
    const next = close(changed);
    checkSize(next);
    try {
      await doc.send(
        new PutCommand({
          TableName: name,
          Item: next,
          ConditionExpression: 'version = :seen',
          ExpressionAttributeValues: { ':seen': current.version },
        }),
      );
      return next;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  throw new CairnError('runs.busy', `Run ${runId} is being written by many clients at once; retry`, {
    runId,
  });
}

function requireActive(item: OpenRun) {
  if (item.lifecycleStage !== 'active') {
    throw new CairnError('runs.not_active', `Run ${item.id} is deleted; restore it before logging to it`, {
      runId: item.id,
    });
  }
}

export async function updateRun(
  tenantId: string,
  runId: string,
  change: { status?: RunStatus; endTime?: number | null; name?: string },
): Promise<Run> {
  const item = await mutateRun(tenantId, runId, (run) => {
    requireActive(run);
    if (change.status) run.status = change.status;
    if (change.endTime !== undefined) run.endTime = change.endTime;
    else if (
      change.status &&
      change.status !== 'RUNNING' &&
      change.status !== 'SCHEDULED' &&
      run.endTime === null
    ) {
      run.endTime = Date.now();
    }
    if (change.name) run.name = change.name;
    return run;
  });
  return toRun(item);
}

/** Soft delete and restore. */
export async function setRunLifecycle(
  tenantId: string,
  runId: string,
  stage: 'active' | 'deleted',
): Promise<Run> {
  const item = await mutateRun(tenantId, runId, (run) => {
    if (run.lifecycleStage === stage) return undefined;
    run.lifecycleStage = stage;
    return run;
  });
  return toRun(item);
}

export async function deleteTag(tenantId: string, runId: string, key: string): Promise<void> {
  await mutateRun(tenantId, runId, (run) => {
    requireActive(run);
    if (!hasKey(run.tags, key)) {
      throw new CairnError('runs.tag_not_found', `Run ${runId} has no tag "${key}"`, { runId, key });
    }
    delete run.tags[key];
    return run;
  });
}

/** The latest point of each key in a batch, encoded for the run item's `latest` map. */
function latestOf(points: KeyedPoint[]): Map<string, string> {
  const latest = new Map<string, KeyedPoint>();
  for (const point of points) {
    const held = latest.get(point.key);
    if (held === undefined || isLater(point, held)) latest.set(point.key, point);
  }
  return new Map([...latest].map(([key, point]) => [key, encodeLatest(point)]));
}

/** Keys per conditional update: DynamoDB expressions stop at 4 KB. */
const keysPerUpdate = 40;

/**
 * Raises the run's latest value of each key to the batch's, where the batch's is later, in
 * conditional updates that need no read: `latest.#k < :candidate` for every key. A key that
 * already holds something later makes the condition fail; then the run is read once and the
 * update retried with only the keys that still move. Each update bumps `version`, so a concurrent
 * read-modify-write of the same run retries instead of losing it.
 */
async function raiseLatest(tenantId: string, runId: string, candidates: Map<string, string>): Promise<void> {
  const { name, doc } = table();
  const entries = [...candidates];
  for (let offset = 0; offset < entries.length; offset += keysPerUpdate) {
    let group = entries.slice(offset, offset + keysPerUpdate);
    for (let attempt = 0; group.length > 0; attempt++) {
      if (attempt === maxAttempts) {
        throw new CairnError('runs.busy', `Run ${runId} is being written by many clients at once; retry`, { runId });
      }
      const now = Date.now();
      const names: Record<string, string> = { '#latest': 'latest' };
      const values: Record<string, unknown> = {
        ':active': 'active',
        ':now': now,
        ':order': keys.runChangeOrder(now, runId),
        ':one': 1,
      };
      const sets: string[] = [];
      const conditions = ['lifecycleStage = :active'];
      group.forEach(([key, encoded], index) => {
        names[`#k${index}`] = storedKey(key);
        values[`:v${index}`] = encoded;
        sets.push(`#latest.#k${index} = :v${index}`);
        conditions.push(`(attribute_not_exists(#latest.#k${index}) OR #latest.#k${index} < :v${index})`);
      });
      try {
        await doc.send(
          new UpdateCommand({
            TableName: name,
            Key: keys.run(tenantId, runId),
            UpdateExpression: `SET ${sets.join(', ')}, updatedAt = :now, gsi1sk = :order ADD version :one`,
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        break;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const current = open(await readItem(tenantId, runId, true));
      requireActive(current);
      group = group.filter(([key, encoded]) => {
        const held = valueAt(current.latest, key);
        return held === undefined || encoded > held;
      });
    }
  }
}

/**
 * Logs a batch of metrics, params and tags. Everything is checked before anything is written: a
 * rejected batch (deleted run, changed param) writes nothing. The run item takes the params, tags
 * and latest metric values; then the points go into one chunk item named by the batch id.
 *
 * Metric-only batches (what training loops send) take the fast path: conditional updates of the
 * latest values, no read, so batches of one run can arrive in parallel and in any order. A retry
 * finds its chunk in place and changes nothing; if the first attempt died between the two writes,
 * the retry writes the missing chunk. Batches with params or tags are read, checked and written
 * back whole, and remember their batch id on the run.
 */
export async function logBatch(
  tenantId: string,
  runId: string,
  batch: LogBatchBody,
  receivedAt: number,
): Promise<{ duplicate: boolean }> {
  const batchId = batch.batchId ?? randomBytes(12).toString('base64url');
  const points: KeyedPoint[] = batch.metrics.map((metric) => ({
    key: metric.key,
    value: metric.value,
    step: metric.step,
    timestamp: metric.timestamp ?? receivedAt,
  }));
  const latest = latestOf(points);

  let duplicate = false;
  if (batch.params.length === 0 && batch.tags.length === 0) {
    if (points.length === 0) {
      requireActive(open(await readItem(tenantId, runId)));
      return { duplicate: false };
    }
    await raiseLatest(tenantId, runId, latest);
  } else {
    await mutateRun(tenantId, runId, (run) => {
      if (run.batches.includes(batchId)) {
        duplicate = true;
        return undefined;
      }
      requireActive(run);
      for (const param of batch.params) {
        const held = valueAt(run.params, param.key);
        if (held !== undefined && held !== param.value) {
          throw new CairnError(
            'runs.param_conflict',
            `Param "${param.key}" is already "${held}" on run ${runId}; params cannot change (tried "${param.value}")`,
            { key: param.key, existing: held, attempted: param.value },
          );
        }
        run.params[param.key] = param.value;
      }
      for (const tag of batch.tags) run.tags[tag.key] = tag.value;
      for (const [key, encoded] of latest) {
        const held = valueAt(run.latest, key);
        if (held === undefined || encoded > held) run.latest[key] = encoded;
      }
      run.batches = [...run.batches, batchId].slice(-rememberedBatches);
      return run;
    });
  }
  if (points.length === 0) return { duplicate };
  const written = await Metrics.appendChunk(tenantId, runId, batchId, points, receivedAt);
  return { duplicate: written === 'duplicate' && (duplicate || batch.params.length + batch.tags.length === 0) };
}

/**
 * The runs of one experiment written after `since` (ms), or all of them (GSI1, `runsOfExperiment`,
 * every shard read in parallel, sort key `runChangeOrder`). Search keeps what it read and asks
 * only for what changed since.
 */
export async function listRunsOfExperiment(
  tenantId: string,
  experimentId: string,
  since?: number,
): Promise<{ run: Run; updatedAt: number }[]> {
  const { name, doc } = table();
  const pages = await Promise.all(
    Array.from({ length: runShards }, async (_, shard) => {
      const query: ShardQuery = (options) =>
        doc.send(
          new QueryCommand({
            TableName: name,
            IndexName: indexes.gsi1,
            KeyConditionExpression: since === undefined ? 'gsi1pk = :pk' : 'gsi1pk = :pk AND gsi1sk > :since',
            ExpressionAttributeValues: {
              ':pk': keys.runsOfExperiment(tenantId, experimentId, shard),
              ...(since === undefined ? {} : { ':since': keys.runChangeOrder(since, '') }),
            },
            ...options,
          }),
        );
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await query({ ExclusiveStartKey: start }).catch(async (error) => {
          if (!isUnreadable(error)) throw error;
          items.push(...(await readAroundUnreadable(query, start, { tenantId, experimentId, shard })));
          return undefined;
        });
        if (!page) break;
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items.map((item) => ({
        run: toRun(item as unknown as RunItem),
        updatedAt: item.updatedAt as number,
      }));
    }),
  );
  return pages.flat();
}

type ShardQuery = (options: {
  ExclusiveStartKey?: Record<string, unknown> | undefined;
  Limit?: number;
  ScanIndexForward?: boolean;
}) => Promise<{ Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }>;

/**
 * DynamoDB Local fails every request that would return an item holding a map key that is not
 * well-formed Unicode (a run's `latest`, written so by metric keys before the edge refused them and
 * `latest` escaped them): it cannot read, change or delete such an item. A query page holding one
 * fails whole, which made a whole experiment unsearchable.
 */
const isUnreadable = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 500;

/**
 * The rest of a shard whose next page failed: forward from `start` in ever smaller pages up to the
 * unreadable item, then backward from the shard's end down to it. Runs between two unreadable
 * items are missed; every unreadable one is logged.
 */
async function readAroundUnreadable(
  query: ShardQuery,
  start: Record<string, unknown> | undefined,
  where: { tenantId: string; experimentId: string; shard: number },
): Promise<Record<string, unknown>[]> {
  const read = (options: Parameters<ShardQuery>[0]) =>
    query(options).catch((error) => {
      if (isUnreadable(error)) return undefined;
      throw error;
    });
  const items: Record<string, unknown>[] = [];
  let from = start;
  for (let limit = 64; limit >= 1; ) {
    const page = await read({ ExclusiveStartKey: from, Limit: limit });
    if (!page) {
      limit = Math.floor(limit / 2);
      continue;
    }
    items.push(...(page.Items ?? []));
    if (!page.LastEvaluatedKey) return items;
    from = page.LastEvaluatedKey;
  }
  const seen = new Set(items.map((item) => item.id));
  let back: Record<string, unknown> | undefined;
  for (let limit = 64; limit >= 1; ) {
    const page = await read({ ExclusiveStartKey: back, Limit: limit, ScanIndexForward: false });
    if (!page) {
      limit = Math.floor(limit / 2);
      continue;
    }
    const fresh = (page.Items ?? []).filter((item) => !seen.has(item.id));
    items.push(...fresh);
    if (fresh.length < (page.Items ?? []).length || !page.LastEvaluatedKey) break;
    back = page.LastEvaluatedKey;
  }
  console.error(
    JSON.stringify({ level: 'warn', message: 'skipped an unreadable run in a search', ...where }),
  );
  return items;
}

/**
 * Records what a run read: datasets (by name and digest) and logged models. Logging one again
 * changes nothing, as in MLflow, so autologging the same dataset every epoch is harmless.
 */
export async function logInputs(
  tenantId: string,
  runId: string,
  logged: { datasets: DatasetInput[]; models: { modelId: string }[] },
): Promise<void> {
  await mutateRun(tenantId, runId, (run) => {
    requireActive(run);
    const inputs = run.inputs ?? { datasets: [], models: [] };
    let added = 0;
    for (const dataset of logged.datasets) {
      if (!inputs.datasets.some((held) => held.name === dataset.name && held.digest === dataset.digest)) {
        inputs.datasets.push(dataset);
        added++;
      }
    }
    for (const { modelId } of logged.models) {
      if (!inputs.models.some((held) => held.modelId === modelId)) {
        inputs.models.push({ modelId });
        added++;
      }
    }
    if (added === 0) return undefined;
    run.inputs = inputs;
    return run;
  });
}

/** Records the logged models a run produced, each at a step; MLflow 3 links later metrics to them. */
export async function logOutputs(
  tenantId: string,
  runId: string,
  models: { modelId: string; step: number }[],
): Promise<void> {
  await mutateRun(tenantId, runId, (run) => {
    requireActive(run);
    const outputs = run.outputs ?? { models: [] };
    const fresh = models.filter(
      (model) => !outputs.models.some((held) => held.modelId === model.modelId && held.step === model.step),
    );
    if (fresh.length === 0) return undefined;
    run.outputs = { models: [...outputs.models, ...fresh.map(({ modelId, step }) => ({ modelId, step }))] };
    return run;
  });
}
