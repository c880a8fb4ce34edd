import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CairnError } from '#http/errors.ts';
import { isConditionFailure, table } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { maxItemBytes } from '#table/limits.ts';
import { transactWrite } from '#table/transact.ts';
import { asUserMap, fromStoredMap, hasKey, patched, toStoredMap, userMap } from '#table/user-maps.ts';
import { defaultExperiment, type Experiment } from './schema.ts';

type ExperimentItem = Experiment & { pk: string; sk: string };

const notFound = (experimentId: string) =>
  new CairnError('experiments.not_found', `Experiment ${experimentId} does not exist`, { experimentId });

const artifactLocation = (experimentId: string) => `mlflow-artifacts:/${experimentId}`;

const fromItem = ({ pk: _pk, sk: _sk, ...experiment }: ExperimentItem): Experiment => ({
  ...experiment,
  tags: fromStoredMap(experiment.tags),
  lastRunAt: experiment.lastRunAt ?? null,
});

/** The experiment as its item: tag keys escaped for DynamoDB (`#table/user-maps.ts`). */
const toItem = (tenantId: string, experiment: Experiment) => ({
  ...keys.experiment(tenantId, experiment.id),
  ...experiment,
  tags: toStoredMap(experiment.tags),
});

function newExperiment(
  id: string,
  input: { name: string; description?: string; tags?: Record<string, string> },
  now: number,
): Experiment {
  return {
    id,
    name: input.name,
    description: input.description ?? '',
    lifecycleStage: 'active',
    tags: asUserMap(input.tags),
    artifactLocation: artifactLocation(id),
    createdAt: now,
    updatedAt: now,
    runCount: 0,
    lastRunAt: null,
  };
}

function putWithName(tenantId: string, experiment: Experiment) {
  const { name: tableName } = table();
  return [
    {
      Put: {
        TableName: tableName,
        Item: { ...keys.experimentName(tenantId, experiment.name), experimentId: experiment.id },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: toItem(tenantId, experiment),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
}

/**
 * Every tenant has experiment "0", named Default. It is created the first time anything looks for
 * it, so tenants need no migration and the tenants domain need not know about experiments.
 */
async function ensureDefault(tenantId: string): Promise<void> {
  const taken = new Error('the Default experiment or its name exists');
  try {
    await transactWrite(
      () => ({
        items: putWithName(tenantId, newExperiment(defaultExperiment.id, defaultExperiment, Date.now())),
        result: undefined,
        onConditionFailed: () => taken,
      }),
      policyFor(defaultExperiment.id),
    );
  } catch (error) {
    // Someone else created it first, or a user took the name: either way there is nothing to do.
    if (error !== taken) throw error;
  }
}

/** How an experiment's transactions fail when they cannot go through. */
const policyFor = (experiment: string) => ({
  busy: () =>
    new CairnError(
      'experiments.busy',
      `Experiment ${experiment} is being changed by many clients at once; retry`,
      {
        experiment,
      },
    ),
  tooLarge: () =>
    new CairnError(
      'experiments.too_large',
      `Experiment ${experiment} would be larger than a DynamoDB item holds (400 KB); use fewer or shorter tags or a shorter description`,
      { experiment, limit: maxItemBytes },
    ),
});

/** Creates an experiment under a new id; the name is claimed in the same transaction. */
export async function createExperiment(
  tenantId: string,
  input: { name: string; description?: string; tags?: Record<string, string> },
): Promise<Experiment> {
  const { name: tableName, doc } = table();
  const existing = await doc.send(
    new GetCommand({ TableName: tableName, Key: keys.experimentName(tenantId, input.name) }),
  );
  if (existing.Item) throw alreadyExists(input.name);
  const { Attributes } = await doc.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.experimentSequence(tenantId),
      UpdateExpression: 'ADD #next :one',
      ExpressionAttributeNames: { '#next': 'next' },
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const experiment = newExperiment(String(Attributes?.next), input, Date.now());
  return transactWrite(
    () => ({
      items: putWithName(tenantId, experiment),
      result: experiment,
      // The name's claim; the id's item is new by construction (the sequence hands each out once).
      onConditionFailed: (index) => (index === 0 ? alreadyExists(input.name) : undefined),
    }),
    policyFor(experiment.id),
  );
}

const alreadyExists = (name: string) =>
  new CairnError(
    'experiments.already_exists',
    `An experiment named "${name}" already exists (it may be deleted; restore it)`,
    {
      name,
    },
  );

/** One experiment by id (key `experiment`), deleted ones included. */
export async function getExperiment(
  tenantId: string,
  experimentId: string,
  consistent = false,
): Promise<Experiment> {
  const { name, doc } = table();
  const read = () =>
    doc.send(
      new GetCommand({
        TableName: name,
        Key: keys.experiment(tenantId, experimentId),
        ConsistentRead: consistent,
      }),
    );
  let { Item } = await read();
  if (!Item && experimentId === defaultExperiment.id) {
    await ensureDefault(tenantId);
    ({ Item } = await read());
  }
  if (!Item) throw notFound(experimentId);
  return fromItem(Item as ExperimentItem);
}

/** One experiment by its unique name (key `experimentName`, then `experiment`). */
export async function getExperimentByName(tenantId: string, experimentName: string): Promise<Experiment> {
  const { name, doc } = table();
  const read = () =>
    doc.send(new GetCommand({ TableName: name, Key: keys.experimentName(tenantId, experimentName) }));
  let { Item } = await read();
  if (!Item && experimentName === defaultExperiment.name) {
    await ensureDefault(tenantId);
    ({ Item } = await read());
  }
  if (!Item) {
    throw new CairnError('experiments.not_found', `No experiment is named "${experimentName}"`, {
      name: experimentName,
    });
  }
  return getExperiment(tenantId, Item.experimentId);
}

/** Every experiment of the tenant (partition `experimentsOf`); search filters them in memory. */
export async function listExperiments(tenantId: string): Promise<Experiment[]> {
  const { name, doc } = table();
  const found: Experiment[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.experimentsOf(tenantId) },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) found.push(fromItem(item as ExperimentItem));
    start = page.LastEvaluatedKey;
  } while (start);
  if (!found.some((experiment) => experiment.id === defaultExperiment.id)) {
    await ensureDefault(tenantId);
    found.push(await getExperiment(tenantId, defaultExperiment.id));
  }
  return found;
}

/**
 * Renames, re-describes or re-tags an experiment. A rename moves the name claim in the same
 * transaction, so two experiments can never hold one name. The write is made on the experiment as
 * read; if it changed meanwhile, it is read and changed again.
 */
export async function updateExperiment(
  tenantId: string,
  experimentId: string,
  change: { name?: string; description?: string; tags?: Record<string, string | null> },
): Promise<Experiment> {
  const tableName = table().name;
  return transactWrite(async () => {
    const current = await getExperiment(tenantId, experimentId, true);
    if (current.lifecycleStage !== 'active') {
      throw new CairnError(
        'experiments.not_active',
        `Experiment ${experimentId} is deleted; restore it first`,
        { experimentId },
      );
    }
    const next: Experiment = {
      ...current,
      name: change.name ?? current.name,
      description: change.description ?? current.description,
      tags: patched(current.tags, change.tags ?? {}),
      updatedAt: Math.max(Date.now(), current.updatedAt + 1),
    };
    const write = {
      Put: {
        TableName: tableName,
        Item: toItem(tenantId, next),
        // The item must be as it was read: a concurrent update, delete or new run (which counts
        // itself here) makes this attempt stale, and it is made again on what is there now.
        ConditionExpression: 'updatedAt = :seen AND runCount = :runs AND lifecycleStage = :active',
        ExpressionAttributeValues: {
          ':seen': current.updatedAt,
          ':runs': current.runCount,
          ':active': 'active',
        },
      },
    };
    const renamed = next.name !== current.name;
    const items = renamed
      ? [
          write,
          {
            Delete: {
              TableName: tableName,
              Key: keys.experimentName(tenantId, current.name),
              ConditionExpression: 'experimentId = :id',
              ExpressionAttributeValues: { ':id': experimentId },
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.experimentName(tenantId, next.name), experimentId },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ]
      : [write];
    return {
      items,
      result: next,
      onConditionFailed: (index) => (index === 2 ? alreadyExists(next.name) : 'stale'),
    };
  }, policyFor(experimentId));
}

/** Soft delete and restore: the lifecycle stage flips; runs stay, and so does the name claim. */
export async function setLifecycle(
  tenantId: string,
  experimentId: string,
  stage: 'active' | 'deleted',
): Promise<Experiment> {
  if (stage === 'deleted' && experimentId === defaultExperiment.id) {
    throw new CairnError('experiments.default_protected', 'The Default experiment cannot be deleted');
  }
  const { name, doc } = table();
  await getExperiment(tenantId, experimentId);
  try {
    const { Attributes } = await doc.send(
      new UpdateCommand({
        TableName: name,
        Key: keys.experiment(tenantId, experimentId),
        UpdateExpression: 'SET lifecycleStage = :stage, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':stage': stage, ':now': Date.now() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return fromItem(Attributes as ExperimentItem);
  } catch (error) {
    if (isConditionFailure(error)) throw notFound(experimentId);
    throw error;
  }
}

/**
 * The write a new run adds to its creation transaction: it counts the run and fails unless the
 * experiment exists and is active, so no run lands in a deleted experiment.
 */
export function runCreatedWrite(tenantId: string, experimentId: string, createdAt: number) {
  return {
    Update: {
      TableName: table().name,
      Key: keys.experiment(tenantId, experimentId),
      UpdateExpression: 'ADD runCount :one SET lastRunAt = :time',
      ConditionExpression: 'lifecycleStage = :active',
      ExpressionAttributeValues: { ':one': 1, ':time': createdAt, ':active': 'active' },
    },
  };
}

/**
 * Deletes one tag of an active experiment. Unlike `updateExperiment` with a null tag, a tag that
 * is not there is an error, as MLflow's `delete-experiment-tag` reports it.
 */
export async function deleteExperimentTag(
  tenantId: string,
  experimentId: string,
  key: string,
): Promise<Experiment> {
  const current = await getExperiment(tenantId, experimentId);
  if (current.lifecycleStage === 'active' && !hasKey(current.tags, key)) {
    throw new CairnError('experiments.tag_not_found', `Experiment ${experimentId} has no tag "${key}"`, {
      experimentId,
      key,
    });
  }
  return updateExperiment(tenantId, experimentId, { tags: userMap([[key, null]]) });
}
