import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { encodeChunks, manifestDigest, totalSize } from '#blobs/manifest.ts';
import type { Actor, } from '#functions/events/schema.ts';
import * as Events from '#functions/events/store.ts';
import { offsetPage } from '#functions/search/offset-page.ts';
import { CairnError } from '#http/errors.ts';
import { table } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { maxTransactItems } from '#table/limits.ts';
import { transactWrite } from '#table/transact.ts';
import { asUserMap, patched, without } from '#table/user-maps.ts';
import {
  aliasesOf,
  batchRead,
  batchReadVersions,
  changeModel,
  filesOf,
  type HeadItem,
  type ModelItem,
  modelsBusy,
  modelTooLarge,
  queryVersions,
  requireModel,
  requireVersion,
  sameEntries,
  toModel,
  toVersion,
  type VersionItem,
  versionToTable,
} from './model-items.ts';
import type { Model, ModelVersion, ModelVersionWithFiles, Stage } from './schema.ts';
import { filesOfRunArtifact } from './sources.ts';
import { resourceOf } from './store.ts';

/** A version as events carry it: enough to deploy it (run, digest), not its file list. */
const versionState = (version: ModelVersion & { digest?: string }) => ({
  model: version.name,
  version: version.version,
  runId: version.runId,
  artifactPath: version.artifactPath,
  source: version.source,
  digest: version.digest,
  stage: version.stage,
  description: version.description,
  tags: version.tags,
  fileCount: version.fileCount,
  totalSize: version.totalSize,
});

/**
 * The file list is kept inline in the version item (one item, so one read resolves a version);
 * this many files of ordinary path lengths fit.
 */
const maxInlineChunks = 1;

/**
 * Registers the next version of a model from a run's artifact path. The files are referenced by
 * digest, not copied. The number is the model's counter plus one, written in the same transaction
 * as the version (see `changeModel`): concurrent creates get consecutive numbers, and a create
 * that fails consumes none.
 */
export async function createVersion(
  tenantId: string,
  name: string,
  input: {
    runId: string;
    artifactPath: string;
    description?: string;
    tags?: Record<string, string>;
    source?: string;
  },
  actor: Actor,
): Promise<ModelVersion> {
  await requireModel(tenantId, name);
  const { artifactPath, files } = await filesOfRunArtifact(tenantId, input.runId, input.artifactPath);
  const chunks = encodeChunks(files);
  if (chunks.length > maxInlineChunks) {
    throw new CairnError(
      'models.too_many_files',
      `"${artifactPath}" of run ${input.runId} holds ${files.length} files, more than a model version can list; register a folder with fewer files`,
      { runId: input.runId, artifactPath, files: files.length },
    );
  }
  const digest = manifestDigest(files);
  return changeModel(tenantId, name, (item) => {
    const current = toModel(item);
    const number = current.latestVersion + 1;
    const now = Math.max(Date.now(), current.updatedAt + 1);
    const version: VersionItem = {
      ...keys.modelVersion(tenantId, current.id, number),
      modelId: current.id,
      version: number,
      runId: input.runId,
      artifactPath,
      source:
        input.source ?? (artifactPath ? `runs:/${input.runId}/${artifactPath}` : `runs:/${input.runId}`),
      digest,
      stage: 'None',
      description: input.description ?? '',
      tags: asUserMap(input.tags),
      files: chunks[0]!,
      fileCount: files.length,
      totalSize: totalSize(files),
      createdAt: now,
      updatedAt: now,
      createdBy: actor.name,
      rev: 1,
    };
    const next: Model = { ...current, latestVersion: number, updatedAt: now };
    const created = toVersion(version, next);
    const tableName = table().name;
    return {
      next,
      writes: [
        {
          Put: {
            TableName: tableName,
            Item: versionToTable(version),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: {
              ...keys.runModelVersion(tenantId, input.runId, current.id, number),
              modelId: current.id,
              version: number,
            },
          },
        },
      ],
      // The version's number is the counter's next: an item already there is a broken table, not a race.
      onWriteConditionFailed: () => undefined,
      event: {
        type: 'model.version.created',
        actor,
        resource: resourceOf(name),
        before: null,
        after: versionState(created),
      },
      result: created,
    };
  });
}

/** One live version (keys `model`, then `modelVersion`). */
export async function getVersion(tenantId: string, name: string, version: number): Promise<ModelVersion> {
  const model = await requireModel(tenantId, name);
  return toVersion(await requireVersion(tenantId, model, version), model);
}

/** One live version with its files (path relative to the artifact path, sha256, size). */
export async function getVersionWithFiles(
  tenantId: string,
  name: string,
  version: number,
): Promise<ModelVersionWithFiles> {
  const model = await requireModel(tenantId, name);
  const item = await requireVersion(tenantId, model, version);
  return { ...toVersion(item, model), files: filesOf(item) };
}

/** A model's live versions, newest first, optionally in one stage; paged by offset. */
export async function listVersions(
  tenantId: string,
  name: string,
  query: { stage?: Stage; maxResults: number; pageToken?: string },
): Promise<{ versions: ModelVersion[]; nextPageToken?: string }> {
  const model = await requireModel(tenantId, name);
  const items = (await queryVersions(tenantId, model.id)).filter(
    (item) => !query.stage || item.stage === query.stage,
  );
  const page = offsetPage(items, { ...query, query: ['versions', model.id, query.stage] });
  const versions = page.items.map((item) => toVersion(item, model));
  return page.nextPageToken ? { versions, nextPageToken: page.nextPageToken } : { versions };
}

/**
 * For each stage (all four by default), the highest live version in it: MLflow's
 * get-latest-versions. Stages without a version are left out.
 */
export async function latestVersions(
  tenantId: string,
  name: string,
  stages?: readonly Stage[],
): Promise<ModelVersion[]> {
  const model = await requireModel(tenantId, name);
  const latest = new Map<Stage, VersionItem>();
  for (const item of await queryVersions(tenantId, model.id)) {
    if (stages?.length && !stages.includes(item.stage)) continue;
    const seen = latest.get(item.stage);
    if (!seen || item.version > seen.version) latest.set(item.stage, item);
  }
  return [...latest.values()].sort((a, b) => a.version - b.version).map((item) => toVersion(item, model));
}

/**
 * Read a version, change it, write it back on the revision read (with its audit entry); on a
 * concurrent change, again (`transactWrite`). Changes that touch only versions (description, tags,
 * stages) do not contend with the model item.
 */
async function changeVersions<R>(
  tenantId: string,
  name: string,
  decide: (model: ModelItem) => Promise<{ writes: VersionItem[]; event: Events.NewEvent; result: R }>,
): Promise<R> {
  const tableName = table().name;
  return transactWrite(
    async () => {
      const model = await requireModel(tenantId, name, true);
      const { writes, event: input, result } = await decide(model);
      const room = maxTransactItems - Events.auditWriteCount;
      if (writes.length > room) {
        throw new CairnError(
          'models.too_large',
          `The change would rewrite ${writes.length} versions of "${name}" at once; one transaction holds at most ${room}`,
          { name, versions: writes.length, limit: room },
        );
      }
      if (writes.length === 0) return { items: [], result };
      const event = Events.newEvent(tenantId, input);
      return {
        items: [
          ...writes.map((version) => ({
            Put: {
              TableName: tableName,
              Item: { ...versionToTable(version), rev: version.rev + 1 },
              ConditionExpression: '#rev = :rev AND attribute_not_exists(deletedAt)',
              ExpressionAttributeNames: { '#rev': 'rev' },
              ExpressionAttributeValues: { ':rev': version.rev },
            },
          })),
          ...Events.auditWrites(event),
        ],
        result,
        // Every condition guards a version as it was read: a failure means "read again".
        onConditionFailed: () => 'stale' as const,
      };
    },
    { busy: () => modelsBusy(name), tooLarge: () => modelTooLarge(name) },
  );
}

/** Sets a version's description, sets or deletes (null) its tags (`model.version.updated`). */
export async function updateVersion(
  tenantId: string,
  name: string,
  version: number,
  patch: { description?: string; tags?: Record<string, string | null> },
  actor: Actor,
): Promise<ModelVersion> {
  return changeVersions(tenantId, name, async (model) => {
    const item = await requireVersion(tenantId, model, version, true);
    const next: VersionItem = {
      ...item,
      description: patch.description ?? item.description,
      tags: patched(item.tags, patch.tags ?? {}),
      updatedAt: Math.max(Date.now(), item.updatedAt + 1),
    };
    // Deleting a tag that is not there (MLflow's delete-tag) changes nothing: no write, no event.
    const unchanged = next.description === item.description && sameEntries(next.tags, item.tags);
    return {
      writes: unchanged ? [] : [next],
      event: {
        type: 'model.version.updated',
        actor,
        resource: resourceOf(name),
        before: versionState(toVersion(item, model)),
        after: versionState(toVersion(next, model)),
      },
      result: toVersion(unchanged ? item : next, model),
    };
  });
}

/**
 * Moves a version to a stage (MLflow's transition). With `archiveExistingVersions`, the versions
 * that held Staging or Production move to Archived in the same transaction; the event lists them.
 */
export async function transitionStage(
  tenantId: string,
  name: string,
  version: number,
  request: { stage: Stage; archiveExistingVersions: boolean },
  actor: Actor,
): Promise<ModelVersion> {
  return changeVersions(tenantId, name, async (model) => {
    const item = await requireVersion(tenantId, model, version, true);
    const now = Math.max(Date.now(), item.updatedAt + 1);
    const target: VersionItem = { ...item, stage: request.stage, updatedAt: now };
    const archiving =
      request.archiveExistingVersions && (request.stage === 'Staging' || request.stage === 'Production');
    const displaced = archiving
      ? (await queryVersions(tenantId, model.id)).filter(
          (other) => other.version !== version && other.stage === request.stage,
        )
      : [];
    const archived = displaced.map((other): VersionItem => ({ ...other, stage: 'Archived', updatedAt: now }));
    return {
      writes: [target, ...archived],
      event: {
        type: 'model.version.stage_changed',
        actor,
        resource: resourceOf(name),
        before: { model: name, version, stage: item.stage },
        after: {
          model: name,
          version,
          stage: request.stage,
          archived: archived.map((other) => other.version),
        },
      },
      result: toVersion(target, model),
    };
  });
}

/**
 * Soft-deletes a version: it leaves listings and lookups, and the aliases that pointed at it are
 * removed in the same transaction, so none is left dangling. Its number is never given out again.
 * Removing a protected alias this way is moving it, so a version a protected alias points at is
 * deleted only by an admin.
 */
export async function deleteVersion(
  tenantId: string,
  name: string,
  version: number,
  actor: Actor,
): Promise<ModelVersion> {
  return changeModel(tenantId, name, async (modelItem) => {
    const current = toModel(modelItem);
    const item = await requireVersion(tenantId, modelItem, version, true);
    const removed = aliasesOf(current, version);
    const guarded = removed.filter((alias) => current.protectedAliases.includes(alias));
    if (guarded.length > 0 && actor.role !== 'admin') {
      throw new CairnError(
        'models.alias_protected',
        `Version ${version} of model "${name}" holds protected alias ${guarded.join(', ')}: only an admin key may delete it`,
        { name, version, aliases: guarded, role: actor.role },
      );
    }
    const aliases = without(current.aliases, (_alias, target) => target === version);
    const now = Math.max(Date.now(), current.updatedAt + 1, item.updatedAt + 1);
    const next: Model = { ...current, aliases, updatedAt: now };
    const before = toVersion(item, current);
    const tableName = table().name;
    return {
      next,
      writes: [
        {
          Put: {
            TableName: tableName,
            Item: { ...versionToTable(item), deletedAt: now, updatedAt: now, rev: item.rev + 1 },
            ConditionExpression: '#rev = :rev AND attribute_not_exists(deletedAt)',
            ExpressionAttributeNames: { '#rev': 'rev' },
            ExpressionAttributeValues: { ':rev': item.rev },
          },
        },
        {
          Delete: {
            TableName: tableName,
            Key: keys.runModelVersion(tenantId, item.runId, modelItem.id, version),
          },
        },
      ],
      event: {
        type: 'model.version.deleted',
        actor,
        resource: resourceOf(name),
        before: { ...versionState(before), aliases: removed },
        after: null,
      },
      result: before,
    };
  });
}

/** Live versions made from one run, of live models (partition `runModelVersionsOf`). */
export async function versionsOfRun(tenantId: string, runId: string): Promise<ModelVersion[]> {
  const { name, doc } = table();
  const refs: { modelId: string; version: number }[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.runModelVersionsOf(tenantId, runId) },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) refs.push({ modelId: item.modelId, version: item.version });
    start = page.LastEvaluatedKey;
  } while (start);
  return versionsByRef(tenantId, refs);
}

/** Versions by (model id, number), skipping deleted versions and models; each with its model's current name. */
async function versionsByRef(
  tenantId: string,
  refs: readonly { modelId: string; version: number }[],
): Promise<ModelVersion[]> {
  if (refs.length === 0) return [];
  const modelIds = [...new Set(refs.map((ref) => ref.modelId))];
  const heads = await batchRead<HeadItem>(modelIds.map((modelId) => keys.modelHead(tenantId, modelId)));
  const live = heads.filter((head) => !head.deleted);
  const models = new Map<string, ModelItem>();
  await Promise.all(
    live.map(async (head) => {
      const model = await requireModel(tenantId, head.name).catch(() => undefined);
      if (model && model.id === head.modelId) models.set(model.id, model);
    }),
  );
  const items = await batchReadVersions(
    refs
      .filter((ref) => models.has(ref.modelId))
      .map((ref) => keys.modelVersion(tenantId, ref.modelId, ref.version)),
  );
  return items
    .filter((item) => item.deletedAt === undefined)
    .map((item) => toVersion(item, models.get(item.modelId)!))
    .sort((a, b) => a.name.localeCompare(b.name) || b.version - a.version);
}
