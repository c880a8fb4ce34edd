import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { maxUrlSeconds } from '#blobs/limits.ts';
import {
  canonicalEntries,
  decodeChunk,
  encodeChunks,
  type ManifestEntry,
  manifestDigest,
  totalSize,
} from '#blobs/manifest.ts';
import { baseName, normalisePath } from '#blobs/paths.ts';
import { presignedGetBytes, presignGet } from '#blobs/presign.ts';
import type { DownloadUrl, FileEntry } from '#blobs/schema.ts';
import * as Blobs from '#blobs/store.ts';
import * as Runs from '#functions/runs/store.ts';
import { offsetPage } from '#functions/search/offset-page.ts';
import { decodePageToken, encodePageToken } from '#functions/search/page-token.ts';
import { CairnError } from '#http/errors.ts';
import { fitting, wireBytes } from '#http/response-budget.ts';
import { isConditionFailure, table } from '#table/client.ts';
import {
  datasetManifestPrefix,
  datasetTagSortPrefix,
  datasetUsePrefix,
  datasetVersionSortPrefix,
  keys,
  runInputSortPrefix,
} from '#table/keys.ts';
import { maxItemBytes, maxTransactItems } from '#table/limits.ts';
import { type TransactPlan, transactWrite } from '#table/transact.ts';
import { asUserMap, fromStoredMap, patched, toStoredMap } from '#table/user-maps.ts';
import type { Dataset, DatasetVersion, RunInput } from './schema.ts';

/*
 * Items:
 *   <t>#DATASETS         DS#<name>                       the dataset, with its latest version number and digest
 *   <t>#DS#<name>        VER#<n>                         a version: digest, message, counts
 *                        MAN#<n>#<i>                     its manifest, in chunks
 *                        TAG#<tag>                       a label pointing at a version
 *                        USE#<n>#<runId>#<context>       a run that used version n      (lineage)
 *   <t>#RUN#<runId>      INPUT#<name>#<n>#<context>      the same fact, from the run side
 * A version, its manifest and the dataset's new latest number are written in one transaction,
 * conditioned on the latest number read: numbers are gapless and never given twice.
 */

type DatasetItem = Dataset & { pk: string; sk: string };
type VersionItem = Omit<DatasetVersion, 'tags'> & { pk: string; sk: string; chunkCount: number };
interface TagItem {
  pk: string;
  sk: string;
  tag: string;
  version: number;
  updatedAt: number;
}
type InputItem = RunInput & { pk: string; sk: string };

const notFound = (name: string) =>
  new CairnError('datasets.not_found', `Dataset "${name}" does not exist`, { dataset: name });

const versionNotFound = (name: string, ref: string) =>
  new CairnError('datasets.version_not_found', `Dataset "${name}" has no version "${ref}"`, {
    dataset: name,
    version: ref,
  });

const toDataset = ({ pk: _pk, sk: _sk, ...dataset }: DatasetItem): Dataset => dataset;

/*
 * A dataset's tags are keyed by the user's names: a null-prototype map in memory, escaped keys in
 * the table (`#table/user-maps.ts`).
 */
const fromTable = (item: DatasetItem): DatasetItem => ({ ...item, tags: fromStoredMap(item.tags) });
const toTable = (item: DatasetItem): DatasetItem => ({ ...item, tags: toStoredMap(item.tags) });
const toVersion = (
  { pk: _pk, sk: _sk, chunkCount: _c, ...version }: VersionItem,
  tags: string[],
): DatasetVersion => ({
  ...version,
  tags,
});

function newDataset(
  tenantId: string,
  name: string,
  input: { description?: string; tags?: Record<string, string> },
  user: string,
  now: number,
): DatasetItem {
  return {
    ...keys.dataset(tenantId, name),
    name,
    description: input.description ?? '',
    tags: asUserMap(input.tags),
    createdAt: now,
    updatedAt: now,
    createdBy: user,
    latestVersion: 0,
    latestDigest: null,
  };
}

async function readDataset(
  tenantId: string,
  name: string,
  consistent = false,
): Promise<DatasetItem | undefined> {
  const { name: tableName, doc } = table();
  const { Item } = await doc.send(
    new GetCommand({ TableName: tableName, Key: keys.dataset(tenantId, name), ConsistentRead: consistent }),
  );
  return Item ? fromTable(Item as DatasetItem) : undefined;
}

/** Creates a dataset; names are unique per tenant. */
export async function createDataset(
  tenantId: string,
  input: { name: string; description?: string; tags?: Record<string, string> },
  user: string,
  now = Date.now(),
): Promise<Dataset> {
  const item = newDataset(tenantId, input.name, input, user, now);
  const tableName = table().name;
  return transactWrite(
    () => ({
      items: [
        {
          Put: { TableName: tableName, Item: toTable(item), ConditionExpression: 'attribute_not_exists(pk)' },
        },
      ],
      result: toDataset(item),
      onConditionFailed: () =>
        new CairnError('datasets.already_exists', `Dataset "${input.name}" already exists`, {
          dataset: input.name,
        }),
    }),
    datasetPolicy(input.name),
  );
}

/** One dataset (key `dataset`). */
export async function getDataset(tenantId: string, name: string): Promise<Dataset> {
  const item = await readDataset(tenantId, name);
  if (!item) throw notFound(name);
  return toDataset(item);
}

/** The tenant's datasets by name (partition `datasetsOf`), paged by DynamoDB's own cursor. */
export async function listDatasets(
  tenantId: string,
  page: { maxResults: number; pageToken?: string },
): Promise<{ datasets: Dataset[]; nextPageToken?: string }> {
  const { name: tableName, doc } = table();
  const after = page.pageToken
    ? decodePageToken(page.pageToken, z.object({ after: z.string() })).after
    : undefined;
  const answer = await doc.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.datasetsOf(tenantId) },
      Limit: page.maxResults,
      ExclusiveStartKey: after ? keys.dataset(tenantId, after) : undefined,
    }),
  );
  const read = ((answer.Items ?? []) as DatasetItem[]).map((item) => toDataset(fromTable(item)));
  // Descriptions and tags make datasets large: a page also ends where its bytes reach the budget.
  const datasets = read.slice(0, fitting(read));
  const last = datasets.at(-1);
  return (answer.LastEvaluatedKey || datasets.length < read.length) && last
    ? { datasets, nextPageToken: encodePageToken({ after: last.name }) }
    : { datasets };
}

/** Sets the description, or sets and deletes (null) tags, on the dataset as read (else again). */
export async function updateDataset(
  tenantId: string,
  name: string,
  patch: { description?: string; tags?: Record<string, string | null> },
  now = Date.now(),
): Promise<Dataset> {
  const tableName = table().name;
  return transactWrite(async () => {
    const current = await readDataset(tenantId, name, true);
    if (!current) throw notFound(name);
    const next: DatasetItem = {
      ...current,
      description: patch.description ?? current.description,
      tags: patched(current.tags, patch.tags ?? {}),
      updatedAt: Math.max(now, current.updatedAt + 1),
    };
    return {
      items: [
        {
          Update: {
            TableName: tableName,
            Key: keys.dataset(tenantId, name),
            UpdateExpression: 'SET description = :description, tags = :tags, updatedAt = :now',
            ConditionExpression: 'updatedAt = :seen',
            ExpressionAttributeValues: {
              ':description': next.description,
              ':tags': toStoredMap(next.tags),
              ':now': next.updatedAt,
              ':seen': current.updatedAt,
            },
          },
        },
      ],
      result: toDataset(next),
      onConditionFailed: () => 'stale' as const,
    };
  }, datasetPolicy(name));
}

async function versionTags(tenantId: string, name: string): Promise<Map<number, string[]>> {
  const { name: tableName, doc } = table();
  const byVersion = new Map<number, string[]>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': keys.datasetPartition(tenantId, name),
          ':prefix': datasetTagSortPrefix,
        },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of (page.Items ?? []) as TagItem[]) {
      byVersion.set(item.version, [...(byVersion.get(item.version) ?? []), item.tag]);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return byVersion;
}

async function readVersion(
  tenantId: string,
  name: string,
  version: number,
): Promise<VersionItem | undefined> {
  const { name: tableName, doc } = table();
  const { Item } = await doc.send(
    new GetCommand({ TableName: tableName, Key: keys.datasetVersion(tenantId, name, version) }),
  );
  return Item as VersionItem | undefined;
}

/**
 * The version a reference names: a number, `latest`, or a tag. A missing dataset is
 * `datasets.not_found`, a missing version or tag `datasets.version_not_found`.
 */
export async function resolveVersion(tenantId: string, name: string, ref: string): Promise<VersionItem> {
  let number: number;
  if (ref === 'latest') {
    const dataset = await readDataset(tenantId, name, true);
    if (!dataset) throw notFound(name);
    number = dataset.latestVersion;
  } else if (/^\d+$/.test(ref)) {
    number = Number(ref);
  } else {
    const { name: tableName, doc } = table();
    const { Item } = await doc.send(
      new GetCommand({ TableName: tableName, Key: keys.datasetTag(tenantId, name, ref) }),
    );
    if (!Item) {
      await getDataset(tenantId, name);
      throw versionNotFound(name, ref);
    }
    number = (Item as TagItem).version;
  }
  const version = number > 0 ? await readVersion(tenantId, name, number) : undefined;
  if (!version) {
    await getDataset(tenantId, name);
    throw versionNotFound(name, ref);
  }
  return version;
}

/** A version's manifest (its `MAN#<n>#` chunks), in canonical order. */
async function readManifest(tenantId: string, name: string, version: number): Promise<ManifestEntry[]> {
  const { name: tableName, doc } = table();
  const entries: ManifestEntry[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': keys.datasetPartition(tenantId, name),
          ':prefix': datasetManifestPrefix(version),
        },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) entries.push(...decodeChunk(item.data as string));
    start = page.LastEvaluatedKey;
  } while (start);
  return entries;
}

async function withTags(tenantId: string, name: string, item: VersionItem): Promise<DatasetVersion> {
  return toVersion(item, (await versionTags(tenantId, name)).get(item.version) ?? []);
}

export interface CommitResult {
  /** False when the files are exactly the latest version's: no version was made. */
  created: boolean;
  version: DatasetVersion;
}

/**
 * Records a new version of a dataset (creating the dataset on its first push) from files whose
 * blobs the tenant holds. Content identical to the latest version makes no version, and says so.
 */
export async function commitVersion(
  tenantId: string,
  name: string,
  input: { files: readonly FileEntry[]; message: string; description?: string },
  user: string,
  now = Date.now(),
): Promise<CommitResult> {
  const entries = canonicalEntries(input.files);
  const chunks = encodeChunks(entries);
  if (chunks.length > maxTransactItems - 2) {
    throw new CairnError(
      'datasets.too_large',
      `This manifest needs ${chunks.length} items; the limit is ${maxTransactItems - 2}`,
      {
        dataset: name,
      },
    );
  }
  await Blobs.ensureRecorded(tenantId, entries, now);
  const digest = manifestDigest(entries);
  const tableName = table().name;
  return transactWrite(async (): Promise<TransactPlan<CommitResult>> => {
    let dataset = await readDataset(tenantId, name, true);
    if (!dataset) {
      try {
        await createDataset(tenantId, { name, description: input.description }, user, now);
      } catch (error) {
        if (!(error instanceof CairnError && error.code === 'datasets.already_exists')) throw error;
      }
      dataset = await readDataset(tenantId, name, true);
      if (!dataset) throw notFound(name);
    }
    if (dataset.latestDigest === digest) {
      const latest = await withTags(tenantId, name, await resolveVersion(tenantId, name, 'latest'));
      return { items: [], result: { created: false, version: latest } };
    }
    const number = dataset.latestVersion + 1;
    const version: VersionItem = {
      ...keys.datasetVersion(tenantId, name, number),
      dataset: name,
      version: number,
      digest,
      message: input.message,
      createdBy: user,
      createdAt: now,
      fileCount: entries.length,
      totalSize: totalSize(entries),
      chunkCount: chunks.length,
    };
    return {
      items: [
        {
          Update: {
            TableName: tableName,
            Key: keys.dataset(tenantId, name),
            UpdateExpression: 'SET latestVersion = :n, latestDigest = :digest, updatedAt = :now',
            ConditionExpression: 'latestVersion = :seen',
            ExpressionAttributeValues: {
              ':n': number,
              ':digest': digest,
              ':now': Math.max(now, dataset.updatedAt + 1),
              ':seen': dataset.latestVersion,
            },
          },
        },
        { Put: { TableName: tableName, Item: version, ConditionExpression: 'attribute_not_exists(pk)' } },
        ...chunks.map((data, i) => ({
          Put: {
            TableName: tableName,
            Item: { ...keys.datasetManifestChunk(tenantId, name, number, i), data },
          },
        })),
      ],
      result: { created: true, version: toVersion(version, []) },
      // Another push took this number first: read again, and perhaps find our content there.
      onConditionFailed: () => 'stale',
    };
  }, datasetPolicy(name));
}

/** How a dataset's transactions fail when they cannot go through. */
const datasetPolicy = (dataset: string) => ({
  busy: () =>
    new CairnError('datasets.busy', `Dataset "${dataset}" is being pushed by many clients at once; retry`, {
      dataset,
    }),
  tooLarge: () =>
    new CairnError(
      'datasets.too_large',
      `Dataset "${dataset}" would be larger than a DynamoDB item holds (400 KB); use fewer or shorter tags or a shorter description`,
      { dataset, limit: maxItemBytes },
    ),
});

const PageAfter = z.object({ before: z.number().int().min(1) });

/** Versions, newest first (`VER#` items read backwards), each with its tags. */
export async function listVersions(
  tenantId: string,
  name: string,
  page: { maxResults: number; pageToken?: string },
): Promise<{ versions: DatasetVersion[]; nextPageToken?: string }> {
  await getDataset(tenantId, name);
  const before = page.pageToken ? decodePageToken(page.pageToken, PageAfter).before : undefined;
  const { name: tableName, doc } = table();
  const partition = keys.datasetPartition(tenantId, name);
  const answer = await doc.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: before
        ? 'pk = :pk AND sk BETWEEN :first AND :last'
        : 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: before
        ? {
            ':pk': partition,
            ':first': keys.datasetVersion(tenantId, name, 0).sk,
            ':last': keys.datasetVersion(tenantId, name, before - 1).sk,
          }
        : { ':pk': partition, ':prefix': datasetVersionSortPrefix },
      ScanIndexForward: false,
      Limit: page.maxResults,
    }),
  );
  const tags = await versionTags(tenantId, name);
  const read = ((answer.Items ?? []) as VersionItem[]).map((item) =>
    toVersion(item, tags.get(item.version) ?? []),
  );
  const versions = read.slice(0, fitting(read));
  const last = versions.at(-1);
  return (answer.LastEvaluatedKey || versions.length < read.length) && last && last.version > 1
    ? { versions, nextPageToken: encodePageToken({ before: last.version }) }
    : { versions };
}

/** A version with a page of its files (canonical order). */
export async function getVersion(
  tenantId: string,
  name: string,
  ref: string,
  page: { maxResults: number; pageToken?: string },
): Promise<{ version: DatasetVersion; files: ManifestEntry[]; nextPageToken?: string }> {
  const item = await resolveVersion(tenantId, name, ref);
  const entries = await readManifest(tenantId, name, item.version);
  const { items, nextPageToken } = offsetPage(entries, {
    ...page,
    query: ['dataset-files', name, item.version],
  });
  return {
    version: await withTags(tenantId, name, item),
    files: items,
    ...(nextPageToken ? { nextPageToken } : {}),
  };
}

type Change =
  | { kind: 'added' | 'removed'; path: string; entry: ManifestEntry }
  | { kind: 'changed'; path: string; from: ManifestEntry; to: ManifestEntry };

/**
 * What changed between two versions, by path: added, removed, changed (another blob), and how
 * many did not. Two large manifests differ in more than one answer holds, so the changes are
 * paged together in path order; every page carries the totals.
 */
export async function diffVersions(
  tenantId: string,
  name: string,
  fromRef: string,
  toRef: string,
  page: { maxResults: number; pageToken?: string } = { maxResults: 10_000 },
) {
  const [from, to] = await Promise.all([
    resolveVersion(tenantId, name, fromRef),
    resolveVersion(tenantId, name, toRef),
  ]);
  const [before, after, tags] = await Promise.all([
    readManifest(tenantId, name, from.version),
    readManifest(tenantId, name, to.version),
    versionTags(tenantId, name),
  ]);
  const old = new Map(before.map((entry) => [entry.path, entry]));
  const changes: Change[] = [];
  const totals = { added: 0, removed: 0, changed: 0 };
  let unchanged = 0;
  for (const entry of after) {
    const was = old.get(entry.path);
    old.delete(entry.path);
    if (!was) changes.push({ kind: 'added', path: entry.path, entry });
    else if (was.sha256 !== entry.sha256)
      changes.push({ kind: 'changed', path: entry.path, from: was, to: entry });
    else unchanged++;
  }
  for (const entry of old.values()) changes.push({ kind: 'removed', path: entry.path, entry });
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const change of changes) totals[change.kind]++;
  const { items, nextPageToken } = offsetPage(changes, {
    ...page,
    query: ['dataset-diff', name, from.version, to.version],
  });
  const pick = (kind: 'added' | 'removed') =>
    items.flatMap((change) => (change.kind === kind ? [change.entry] : []));
  return {
    from: toVersion(from, tags.get(from.version) ?? []),
    to: toVersion(to, tags.get(to.version) ?? []),
    added: pick('added'),
    removed: pick('removed'),
    changed: items.flatMap((change) =>
      change.kind === 'changed' ? [{ path: change.path, from: change.from, to: change.to }] : [],
    ),
    unchanged,
    totals,
    ...(nextPageToken ? { nextPageToken } : {}),
  };
}

/** Presigned GETs for some or all files of a version, each saved under its own name. */
export async function versionUrls(
  tenantId: string,
  name: string,
  ref: string,
  request: { paths?: readonly string[]; maxResults: number; pageToken?: string },
  now = Date.now(),
): Promise<{ version: number; files: DownloadUrl[]; expiresAt: number; nextPageToken?: string }> {
  const item = await resolveVersion(tenantId, name, ref);
  let entries = await readManifest(tenantId, name, item.version);
  if (request.paths) {
    const byPath = new Map(entries.map((entry) => [entry.path, entry]));
    entries = request.paths.map((raw) => {
      const path = normalisePath(raw);
      const entry = byPath.get(path);
      if (!entry) {
        throw new CairnError(
          'datasets.version_not_found',
          `Version ${item.version} of "${name}" has no file "${path}"`,
          {
            dataset: name,
            version: item.version,
            path,
          },
        );
      }
      return entry;
    });
  }
  const { items, nextPageToken } = offsetPage(entries, {
    ...request,
    query: ['dataset-urls', name, item.version, request.paths ?? null],
    sizeOf: (entry) => wireBytes(entry) + presignedGetBytes(baseName(entry.path)),
  });
  const files = await Promise.all(
    items.map(async (entry) => ({
      ...entry,
      url: (await presignGet(tenantId, { sha256: entry.sha256, fileName: baseName(entry.path) })).url,
    })),
  );
  return {
    version: item.version,
    files,
    expiresAt: now + maxUrlSeconds * 1000,
    ...(nextPageToken ? { nextPageToken } : {}),
  };
}

/** Points a tag at a version (moving it if it pointed elsewhere). */
export async function setTag(
  tenantId: string,
  name: string,
  tag: string,
  ref: string,
  now = Date.now(),
): Promise<{ tag: string; version: number }> {
  const version = await resolveVersion(tenantId, name, ref);
  const { name: tableName, doc } = table();
  const item: TagItem = {
    ...keys.datasetTag(tenantId, name, tag),
    tag,
    version: version.version,
    updatedAt: now,
  };
  await doc.send(new PutCommand({ TableName: tableName, Item: item }));
  return { tag, version: version.version };
}

export async function deleteTag(tenantId: string, name: string, tag: string): Promise<void> {
  const { name: tableName, doc } = table();
  try {
    await doc.send(
      new DeleteCommand({
        TableName: tableName,
        Key: keys.datasetTag(tenantId, name, tag),
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    await getDataset(tenantId, name);
    throw new CairnError('datasets.tag_not_found', `Dataset "${name}" has no tag "${tag}"`, {
      dataset: name,
      tag,
    });
  }
}

/**
 * Records that a run used a dataset version (lineage). Both sides are written in one transaction:
 * the run's inputs and the version's users always agree. Recording the same input again changes
 * nothing but its time.
 */
export async function recordRunInput(
  tenantId: string,
  runId: string,
  input: { dataset: string; version: string; context: string },
  now = Date.now(),
): Promise<RunInput> {
  const run = await Runs.getRun(tenantId, runId);
  if (run.lifecycleStage !== 'active') {
    throw new CairnError('runs.not_active', `Run ${runId} is deleted; restore it before logging to it`, {
      runId,
    });
  }
  const version = await resolveVersion(tenantId, input.dataset, input.version);
  const record: RunInput = {
    runId,
    dataset: input.dataset,
    version: version.version,
    digest: version.digest,
    context: input.context,
    recordedAt: now,
  };
  const { name: tableName } = table();
  return transactWrite(
    () => ({
      items: [
        {
          Put: {
            TableName: tableName,
            Item: {
              ...keys.runInput(tenantId, runId, input.dataset, version.version, input.context),
              ...record,
            },
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: {
              ...keys.datasetUse(tenantId, input.dataset, version.version, runId, input.context),
              ...record,
            },
          },
        },
      ],
      result: record,
    }),
    datasetPolicy(input.dataset),
  );
}

async function queryInputs(pk: string, prefix: string): Promise<RunInput[]> {
  const { name: tableName, doc } = table();
  const found: RunInput[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
        ExclusiveStartKey: start,
      }),
    );
    for (const { pk: _pk, sk: _sk, ...input } of (page.Items ?? []) as InputItem[]) found.push(input);
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/**
 * The dataset versions a run used (`INPUT#` items in the run's partition). Also what the
 * MLflow-compatible API answers as a run's `inputs`.
 */
export async function runInputs(tenantId: string, runId: string): Promise<RunInput[]> {
  await Runs.getRun(tenantId, runId);
  return queryInputs(keys.runInput(tenantId, runId, '', 0, '').pk, runInputSortPrefix);
}

/** The runs that used a dataset version (`USE#<n>#` items in the dataset's partition). */
export async function versionRuns(
  tenantId: string,
  name: string,
  ref: string,
): Promise<{ version: number; runs: RunInput[] }> {
  const version = await resolveVersion(tenantId, name, ref);
  const runs = await queryInputs(keys.datasetPartition(tenantId, name), datasetUsePrefix(version.version));
  return { version: version.version, runs };
}
