import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeChunk } from '#blobs/manifest.ts';
import * as Events from '#functions/events/store.ts';
import { CairnError } from '#http/errors.ts';
import { table } from '#table/client.ts';
import { keys, modelVersionSortPrefix } from '#table/keys.ts';
import { maxBatchGetItems, maxItemBytes } from '#table/limits.ts';
import { type ConditionReading, type TransactItem, transactWrite } from '#table/transact.ts';
import { fromStoredMap, toStoredMap, userMap } from '#table/user-maps.ts';
import type { Model, ModelVersion, Stage, VersionFile } from './schema.ts';

/*
 * The registry's items and the one way the model item changes. Layout, all under the tenant:
 *
 *   <t>#MODELS        MODEL#<name>       the model (aliases, protected aliases, version counter)
 *   <t>#MODELS        DELETED#<modelId>  a deleted model, its name freed
 *   <t>#MODEL#<id>    HEAD               the model's current name (for lookups by id)
 *   <t>#MODEL#<id>    V#<version>        a version, its files inline
 *   <t>#RUNMODELS#<r> <id>#<version>     "run r made this version"
 */

export interface ModelItem extends Model {
  pk: string;
  sk: string;
  /** Bumped by every write; a write succeeds only on the revision it read. */
  rev: number;
  deletedAt?: number;
}

export interface VersionItem {
  pk: string;
  sk: string;
  modelId: string;
  version: number;
  runId: string;
  artifactPath: string;
  source: string;
  digest: string;
  stage: Stage;
  description: string;
  tags: Record<string, string>;
  /** `[[path, sha256, size], …]`, the blobs manifest's chunk encoding. */
  files: string;
  fileCount: number;
  totalSize: number;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  rev: number;
  deletedAt?: number;
}

export interface HeadItem {
  pk: string;
  sk: string;
  modelId: string;
  name: string;
  deleted: boolean;
}

export const modelNotFound = (name: string) =>
  new CairnError('models.not_found', `No registered model is named "${name}"`, { name });

export const versionNotFound = (name: string, version: number) =>
  new CairnError('models.version_not_found', `Model "${name}" has no version ${version}`, { name, version });

/*
 * Tags and aliases are keyed by the user's names: null-prototype maps in memory, escaped keys in the
 * table (`#table/user-maps.ts`). Items are decoded where they are read and encoded where written.
 */
const modelFromTable = (item: ModelItem): ModelItem => ({
  ...item,
  tags: fromStoredMap(item.tags),
  aliases: fromStoredMap(item.aliases),
});

/** A model (or model item) as the item attributes written to the table. */
export const modelToTable = <M extends Model>(model: M): M => ({
  ...model,
  tags: toStoredMap(model.tags),
  aliases: toStoredMap(model.aliases),
});

const versionFromTable = (item: VersionItem): VersionItem => ({ ...item, tags: fromStoredMap(item.tags) });

/** A version item as written to the table. */
export const versionToTable = (item: VersionItem): VersionItem => ({ ...item, tags: toStoredMap(item.tags) });

/** Model items as a query or batch read returns them, decoded. */
export const modelsFromTable = (items: readonly Record<string, unknown>[]) =>
  items.map((item) => modelFromTable(item as unknown as ModelItem));

export function toModel(item: ModelItem): Model {
  return {
    id: item.id,
    name: item.name,
    description: item.description,
    tags: item.tags ?? userMap(),
    aliases: item.aliases ?? userMap(),
    protectedAliases: item.protectedAliases ?? [],
    latestVersion: item.latestVersion,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    createdBy: item.createdBy,
  };
}

/** The aliases of a model that point at one version, sorted. */
export function aliasesOf(model: Pick<Model, 'aliases'>, version: number): string[] {
  return Object.entries(model.aliases ?? {})
    .filter(([, target]) => target === version)
    .map(([alias]) => alias)
    .sort();
}

export function toVersion(
  item: VersionItem,
  model: Pick<Model, 'name' | 'aliases'>,
): ModelVersion & { digest: string } {
  return {
    modelId: item.modelId,
    name: model.name,
    version: item.version,
    runId: item.runId,
    artifactPath: item.artifactPath,
    source: item.source,
    digest: item.digest,
    status: 'READY',
    stage: item.stage,
    description: item.description,
    tags: item.tags ?? userMap(),
    aliases: aliasesOf(model, item.version),
    fileCount: item.fileCount,
    totalSize: item.totalSize,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    createdBy: item.createdBy,
  };
}

export function filesOf(item: VersionItem): VersionFile[] {
  return decodeChunk(item.files);
}

/** The model item by name (key `model`). */
export async function readModel(
  tenantId: string,
  name: string,
  consistent = false,
): Promise<ModelItem | undefined> {
  const { name: tableName, doc } = table();
  const { Item } = await doc.send(
    new GetCommand({ TableName: tableName, Key: keys.model(tenantId, name), ConsistentRead: consistent }),
  );
  return Item ? modelFromTable(Item as ModelItem) : undefined;
}

export async function requireModel(tenantId: string, name: string, consistent = false): Promise<ModelItem> {
  const item = await readModel(tenantId, name, consistent);
  if (!item) throw modelNotFound(name);
  return item;
}

/** One version item (key `modelVersion`), deleted ones included. */
export async function readVersion(
  tenantId: string,
  modelId: string,
  version: number,
  consistent = false,
): Promise<VersionItem | undefined> {
  const { name, doc } = table();
  const { Item } = await doc.send(
    new GetCommand({
      TableName: name,
      Key: keys.modelVersion(tenantId, modelId, version),
      ConsistentRead: consistent,
    }),
  );
  return Item ? versionFromTable(Item as VersionItem) : undefined;
}

/** A live version of a model, or `models.version_not_found`. */
export async function requireVersion(
  tenantId: string,
  model: Pick<ModelItem, 'id' | 'name'>,
  version: number,
  consistent = false,
): Promise<VersionItem> {
  const item = await readVersion(tenantId, model.id, version, consistent);
  if (!item || item.deletedAt !== undefined) throw versionNotFound(model.name, version);
  return item;
}

/** Every live version of a model (partition `modelPartition`, `V#` items), newest first. */
export async function queryVersions(tenantId: string, modelId: string): Promise<VersionItem[]> {
  const { name, doc } = table();
  const found: VersionItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: 'attribute_not_exists(deletedAt)',
        ExpressionAttributeValues: {
          ':pk': keys.modelPartition(tenantId, modelId),
          ':prefix': modelVersionSortPrefix,
        },
        ScanIndexForward: false,
        ExclusiveStartKey: start,
      }),
    );
    found.push(...((page.Items ?? []) as VersionItem[]).map(versionFromTable));
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/** Version items by key, decoded, in any order; keys that hold nothing are left out. */
export async function batchReadVersions(
  keyList: readonly { pk: string; sk: string }[],
): Promise<VersionItem[]> {
  return (await batchRead<VersionItem>(keyList)).map(versionFromTable);
}

/** Items by key, in any order; keys that hold nothing are left out. */
export async function batchRead<T>(keyList: readonly { pk: string; sk: string }[]): Promise<T[]> {
  const { name, doc } = table();
  const found: T[] = [];
  for (let start = 0; start < keyList.length; start += maxBatchGetItems) {
    let pending: Record<string, unknown>[] | undefined = keyList.slice(start, start + maxBatchGetItems);
    for (let tries = 0; pending?.length; tries++) {
      if (tries > 0) await sleep(20 * 2 ** Math.min(tries, 6));
      const answer = await doc.send(new BatchGetCommand({ RequestItems: { [name]: { Keys: pending } } }));
      found.push(...((answer.Responses?.[name] ?? []) as T[]));
      pending = answer.UnprocessedKeys?.[name]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return found;
}

/** What a change does to a model: its next state, the other writes and the one event it is. */
export interface ModelChange<R> {
  /** The model after the change; a new `name` is a rename. */
  next: Model;
  /** Moves the model to its deleted key and frees its name. */
  deleted?: boolean;
  /**
   * Other items written with the model. Their conditions guard what `decide` read (a version's
   * revision, that it still exists), so a failed one means "decide again" unless this says otherwise.
   */
  writes?: TransactItem[];
  onWriteConditionFailed?: (index: number) => ConditionReading;
  event: Events.NewEvent;
  result: R;
  /** The change would leave everything as it is: nothing is written, and it is no event. */
  unchanged?: boolean;
}

/** Whether two user-keyed maps hold the same entries. */
export function sameEntries(
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
): boolean {
  const left = Object.entries(a);
  return (
    left.length === Object.keys(b).length &&
    left.every(([key, value]) => Object.hasOwn(b, key) && b[key] === value)
  );
}

export const modelsBusy = (name: string) =>
  new CairnError('models.busy', `Model "${name}" is being changed by many clients at once; retry`, { name });

export const modelTooLarge = (name: string) =>
  new CairnError(
    'models.too_large',
    `The change would make model "${name}" or one of its versions larger than a DynamoDB item holds (400 KB); use fewer or shorter tags or descriptions`,
    { name, limit: maxItemBytes },
  );

/**
 * The one way a model changes: read it, decide, and write the model (on the revision read), the
 * change's other items and its audit entry in one transaction; on a concurrent change, read again
 * and decide again (`transactWrite`). So a version number is given out exactly once and without
 * gaps, an alias is never left pointing at a version that was deleted meanwhile, and no change
 * escapes the log. A refusal (an item too large, a name taken) fails at once. The event's outbox
 * item is part of the transaction: the event is published if, and only if, it commits.
 *
 *   read rev=r ──► decide ──► transact [model rev=r → r+1, writes…, audit×3, outbox]
 *        ▲                                 │ cancelled (rev moved on, conflict)
 *        └──────────── jittered backoff ◄──┘
 */
export async function changeModel<R>(
  tenantId: string,
  name: string,
  decide: (current: ModelItem) => Promise<ModelChange<R>> | ModelChange<R>,
): Promise<R> {
  const tableName = table().name;
  return transactWrite(
    async () => {
      const current = await requireModel(tenantId, name, true);
      const change = await decide(current);
      if (change.unchanged) return { items: [], result: change.result };
      const next: ModelItem = { ...change.next, pk: '', sk: '', rev: current.rev + 1 };
      const guard = {
        ConditionExpression: '#rev = :rev',
        ExpressionAttributeNames: { '#rev': 'rev' },
        ExpressionAttributeValues: { ':rev': current.rev },
      };
      const head = (deleted: boolean): TransactItem => ({
        Put: {
          TableName: tableName,
          Item: { ...keys.modelHead(tenantId, current.id), modelId: current.id, name: next.name, deleted },
        },
      });
      const renamed = !change.deleted && next.name !== current.name;
      const items: TransactItem[] = [];
      /** The item whose condition is the revision guard, and the rename's claim on the new name. */
      let guardAt = 0;
      let claimAt = -1;
      if (change.deleted) {
        items.push(
          { Delete: { TableName: tableName, Key: keys.model(tenantId, current.name), ...guard } },
          {
            Put: {
              TableName: tableName,
              Item: {
                ...modelToTable(next),
                ...keys.deletedModel(tenantId, current.id),
                deletedAt: next.updatedAt,
              },
            },
          },
          head(true),
        );
      } else if (renamed) {
        claimAt = 0;
        guardAt = 1;
        items.push(
          {
            Put: {
              TableName: tableName,
              Item: { ...modelToTable(next), ...keys.model(tenantId, next.name) },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          { Delete: { TableName: tableName, Key: keys.model(tenantId, current.name), ...guard } },
          head(false),
        );
      } else {
        items.push({
          Put: {
            TableName: tableName,
            Item: { ...modelToTable(next), ...keys.model(tenantId, next.name) },
            ...guard,
          },
        });
      }
      const writesAt = items.length;
      const writes = change.writes ?? [];
      items.push(...writes, ...Events.auditWrites(Events.newEvent(tenantId, change.event)));
      return {
        items,
        result: change.result,
        onConditionFailed: (index: number): ConditionReading => {
          if (index === guardAt) return 'stale';
          if (index === claimAt) {
            return new CairnError(
              'models.already_exists',
              `A registered model named "${next.name}" already exists`,
              {
                name: next.name,
              },
            );
          }
          if (index >= writesAt && index < writesAt + writes.length) {
            return change.onWriteConditionFailed ? change.onWriteConditionFailed(index - writesAt) : 'stale';
          }
          return undefined;
        },
      };
    },
    { busy: () => modelsBusy(name), tooLarge: () => modelTooLarge(name) },
  );
}
