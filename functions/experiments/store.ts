import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CairnError } from '#http/errors.ts';
import { cancellationReasons, isConditionFailure, table } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { defaultExperiment, type Experiment } from './schema.ts';

type ExperimentItem = Experiment & { pk: string; sk: string };

const notFound = (experimentId: string) =>
  new CairnError('experiments.not_found', `Experiment ${experimentId} does not exist`, { experimentId });

const artifactLocation = (experimentId: string) => `mlflow-artifacts:/${experimentId}`;

const fromItem = ({ pk: _pk, sk: _sk, ...experiment }: ExperimentItem): Experiment => ({
  ...experiment,
  lastRunAt: experiment.lastRunAt ?? null,
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
    tags: input.tags ?? {},
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
        Item: { ...keys.experiment(tenantId, experiment.id), ...experiment },
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
  const { doc } = table();
  try {
    await doc.send(
      new TransactWriteCommand({
        TransactItems: putWithName(
          tenantId,
          newExperiment(defaultExperiment.id, defaultExperiment, Date.now()),
        ),
      }),
    );
  } catch (error) {
    // Someone else created it first, or a user took the name: either way there is nothing to do.
    if (!cancellationReasons(error)) throw error;
  }
}

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
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: putWithName(tenantId, experiment) }));
  } catch (error) {
    if (cancellationReasons(error)?.[0] === 'ConditionalCheckFailed') throw alreadyExists(input.name);
    throw error;
  }
  return experiment;
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
export async function getExperiment(tenantId: string, experimentId: string): Promise<Experiment> {
  const { name, doc } = table();
  const read = () =>
    doc.send(new GetCommand({ TableName: name, Key: keys.experiment(tenantId, experimentId) }));
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
 * transaction, so two experiments can never hold one name.
 */
export async function updateExperiment(
  tenantId: string,
  experimentId: string,
  change: { name?: string; description?: string; tags?: Record<string, string | null> },
): Promise<Experiment> {
  const { name: tableName, doc } = table();
  const current = await getExperiment(tenantId, experimentId);
  if (current.lifecycleStage !== 'active') {
    throw new CairnError(
      'experiments.not_active',
      `Experiment ${experimentId} is deleted; restore it first`,
      { experimentId },
    );
  }
  const tags = { ...current.tags };
  for (const [key, value] of Object.entries(change.tags ?? {})) {
    if (value === null) delete tags[key];
    else tags[key] = value;
  }
  const next: Experiment = {
    ...current,
    name: change.name ?? current.name,
    description: change.description ?? current.description,
    tags,
    updatedAt: Date.now(),
  };
  const write = {
    Put: {
      TableName: tableName,
      Item: { ...keys.experiment(tenantId, experimentId), ...next },
      // Guards against a concurrent update: the item must be as we read it.
      ConditionExpression: 'updatedAt = :seen AND lifecycleStage = :active',
      ExpressionAttributeValues: { ':seen': current.updatedAt, ':active': 'active' },
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
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (reasons?.[2] === 'ConditionalCheckFailed') throw alreadyExists(next.name);
    if (reasons?.includes('ConditionalCheckFailed')) {
      throw new CairnError(
        'experiments.not_active',
        `Experiment ${experimentId} changed meanwhile; try again`,
        { experimentId },
      );
    }
    throw error;
  }
  return next;
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
  if (current.lifecycleStage === 'active' && !Object.hasOwn(current.tags, key)) {
    throw new CairnError('experiments.tag_not_found', `Experiment ${experimentId} has no tag "${key}"`, {
      experimentId,
      key,
    });
  }
  return updateExperiment(tenantId, experimentId, { tags: { [key]: null } });
}
