import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { maxUrlSeconds } from '#blobs/limits.ts';
import {
  canonicalEntries,
  decodeChunk,
  encodeChunks,
  type ManifestEntry,
  totalSize,
} from '#blobs/manifest.ts';
import { baseName, isWithin, normalisePath } from '#blobs/paths.ts';
import { presignedGetBytes, presignGet } from '#blobs/presign.ts';
import type { DownloadUrl, FileEntry } from '#blobs/schema.ts';
import * as Blobs from '#blobs/store.ts';
import * as Runs from '#functions/runs/store.ts';
import { offsetPage } from '#functions/search/offset-page.ts';
import { CairnError } from '#http/errors.ts';
import { wireBytes } from '#http/response-budget.ts';
import { table } from '#table/client.ts';
import { artifactChunkSortPrefix, keys } from '#table/keys.ts';
import { transactWrite } from '#table/transact.ts';
import type { ArtifactEntry, ArtifactListing } from './schema.ts';

/**
 * A run's artifacts are a manifest over the tenant's blobs (path → sha256, size), stored as
 * chunk items in the run's partition, one or more per logging call. Chunk ids start with the
 * time, so reading them in key order and letting later entries win gives "the last write of a
 * path counts", as in MLflow.
 */
interface ArtifactChunkItem {
  pk: string;
  sk: string;
  loggedAt: number;
  count: number;
  data: string;
}

const notFound = (runId: string, path: string) =>
  new CairnError('artifacts.not_found', `Run ${runId} has no artifact at "${path}"`, { runId, path });

/**
 * Logs files under a run's artifact path. Every blob must be held by the tenant (confirmed now if
 * it was uploaded but not yet recorded); otherwise nothing is logged. Deleted runs take no
 * artifacts, as they take no metrics.
 */
export async function logArtifacts(
  tenantId: string,
  runId: string,
  input: { artifactPath: string; files: readonly FileEntry[] },
  now = Date.now(),
): Promise<{ files: number; totalSize: number }> {
  const run = await Runs.getRun(tenantId, runId);
  if (run.lifecycleStage !== 'active') {
    throw new CairnError('runs.not_active', `Run ${runId} is deleted; restore it before logging to it`, {
      runId,
    });
  }
  const entries = canonicalEntries(input.files, input.artifactPath);
  await Blobs.ensureRecorded(tenantId, entries, now);
  const stamp = String(now).padStart(15, '0');
  const batch = randomBytes(6).toString('hex');
  const items: ArtifactChunkItem[] = encodeChunks(entries).map((data, i) => ({
    ...keys.artifactChunk(tenantId, runId, `${stamp}#${batch}#${String(i).padStart(4, '0')}`),
    loggedAt: now,
    count: 0,
    data,
  }));
  for (const item of items) item.count = decodeChunk(item.data).length;
  const { name, doc } = table();
  if (items.length === 1) {
    await doc.send(new PutCommand({ TableName: name, Item: items[0] }));
  } else {
    // All chunks of one call appear together, or none do.
    await transactWrite(
      () => ({ items: items.map((Item) => ({ Put: { TableName: name, Item } })), result: undefined }),
      {
        busy: () =>
          new CairnError('runs.busy', `Run ${runId} is being written by many clients at once; retry`, {
            runId,
          }),
      },
    );
  }
  return { files: entries.length, totalSize: totalSize(entries) };
}

/** Every artifact of a run, by path (chunks in the run's partition, oldest first, later ones win). */
export async function readManifest(tenantId: string, runId: string): Promise<Map<string, ManifestEntry>> {
  const { name, doc } = table();
  const files = new Map<string, ManifestEntry>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': keys.artifactChunk(tenantId, runId, '').pk,
          ':prefix': artifactChunkSortPrefix,
        },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of (page.Items ?? []) as ArtifactChunkItem[]) {
      for (const entry of decodeChunk(item.data)) files.set(entry.path, entry);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return files;
}

/** The files at or below `path`, sorted by path; a missing path (other than the root) is not found. */
async function filesAt(tenantId: string, runId: string, rawPath: string) {
  await Runs.getRun(tenantId, runId);
  const path = normalisePath(rawPath, { allowEmpty: true });
  const files = [...(await readManifest(tenantId, runId)).values()]
    .filter((entry) => isWithin(entry.path, path))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (path && files.length === 0) throw notFound(runId, path);
  return { path, files };
}

/**
 * One level of a run's artifact tree: the folders below `path` (with their total size and file
 * count) and its files, folders first; or, with `recursive`, every file below it. When `path`
 * names a file, that file alone.
 */
export async function listArtifacts(
  tenantId: string,
  runId: string,
  query: { path: string; recursive: boolean; maxResults: number; pageToken?: string },
): Promise<ArtifactListing> {
  const { path, files } = await filesAt(tenantId, runId, query.path);
  let entries: ArtifactEntry[];
  const fileEntry = (file: ManifestEntry): ArtifactEntry => ({ type: 'file', ...file });
  if (query.recursive || (files.length === 1 && files[0]!.path === path)) {
    entries = files.map(fileEntry);
  } else {
    const folders = new Map<string, { size: number; fileCount: number }>();
    const direct: ArtifactEntry[] = [];
    const offset = path ? path.length + 1 : 0;
    for (const file of files) {
      const slash = file.path.indexOf('/', offset);
      if (slash < 0) {
        direct.push(fileEntry(file));
        continue;
      }
      const folder = file.path.slice(0, slash);
      const totals = folders.get(folder) ?? { size: 0, fileCount: 0 };
      totals.size += file.size;
      totals.fileCount += 1;
      folders.set(folder, totals);
    }
    entries = [
      ...[...folders].map(([folder, totals]): ArtifactEntry => ({ type: 'folder', path: folder, ...totals })),
      ...direct,
    ];
  }
  const page = offsetPage(entries, { ...query, query: ['artifacts', runId, path, query.recursive] });
  return {
    path,
    totalSize: totalSize(files),
    fileCount: files.length,
    entries: page.items,
    ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
  };
}

/** Presigned GETs for one file or every file below a folder, each saved under its own name. */
export async function artifactUrls(
  tenantId: string,
  runId: string,
  query: { path: string; maxResults: number; pageToken?: string },
  now = Date.now(),
): Promise<{ files: DownloadUrl[]; expiresAt: number; nextPageToken?: string }> {
  const { path, files } = await filesAt(tenantId, runId, query.path);
  const page = offsetPage(files, {
    ...query,
    query: ['artifact-urls', runId, path],
    sizeOf: (file) => wireBytes(file) + presignedGetBytes(baseName(file.path)),
  });
  const signed = await Promise.all(
    page.items.map(async (file) => ({
      ...file,
      url: (await presignGet(tenantId, { sha256: file.sha256, fileName: baseName(file.path) })).url,
    })),
  );
  return {
    files: signed,
    expiresAt: now + maxUrlSeconds * 1000,
    ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
  };
}
