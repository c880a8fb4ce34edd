import { createHash } from 'node:crypto';
import { z } from 'zod';
import { baseName } from '#blobs/paths.ts';
import * as Blobs from '#blobs/store.ts';
import * as Artifacts from '#functions/artifacts/store.ts';
import * as Runs from '#functions/runs/store.ts';
import { CairnError } from '#http/errors.ts';
import { operation, Reply } from '#http/operation.ts';
import { pageBudgetBytes, responseTooLarge, wireBytes } from '#http/response-budget.ts';
import { type Location, locate, notFound } from './artifact-location.ts';
import { aboutRun, OneString } from './wire.ts';

/*
 * MLflow's artifact proxy (`/api/2.0/mlflow-artifacts`), over Cairn's run artifacts: files are
 * content-addressed blobs, and each run's tree is a manifest over them. Paths resolve to a run's
 * tree as `artifact-location.ts` says.
 */

/**
 * Stores the bytes as a blob (sent to the blob store over its presigned PUT, unless the tenant
 * holds them already), then logs the file in the run's tree; the blob layer checks both.
 */
async function storeFile(tenantId: string, location: Location, bytes: Buffer): Promise<void> {
  if (!location.path) throw new CairnError('request.invalid', 'Give the file path after the folder');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const size = bytes.length;
  const { blobs } = await Blobs.startUploads(tenantId, { blobs: [{ sha256, size }] });
  const plan = blobs[0];
  if (plan?.status === 'put') {
    const sent = await fetch(plan.request.url, {
      method: 'PUT',
      headers: plan.request.headers,
      body: new Uint8Array(bytes),
    });
    if (!sent.ok) throw new Error(`The blob store refused ${sha256}: HTTP ${sent.status}`);
  } else if (plan?.status !== 'present' && plan?.status !== 'verifying') {
    // Proxied bodies stop at API Gateway's 10 MB, far below the single-PUT limit. (A blob being
    // verified from another client's upload is waited for by the commit, which answers 409 meanwhile.)
    throw new Error(`Unexpected upload plan ${plan?.status} for ${size} bytes`);
  }
  await Artifacts.logArtifacts(tenantId, location.runId, {
    artifactPath: '',
    files: [{ path: location.path, sha256, size }],
  });
}

type Entry = Awaited<ReturnType<typeof Artifacts.listArtifacts>>['entries'][number];

/** One page of one folder of a run's tree; a missing folder is empty. */
async function folderPage(
  tenantId: string,
  location: Location,
  pageToken?: string,
): Promise<{ entries: Entry[]; nextPageToken?: string }> {
  let page: Awaited<ReturnType<typeof Artifacts.listArtifacts>>;
  try {
    page = await Artifacts.listArtifacts(tenantId, location.runId, {
      path: location.path,
      recursive: false,
      maxResults: 10_000,
      ...(pageToken ? { pageToken } : {}),
    });
  } catch (error) {
    if (error instanceof CairnError && error.code === 'artifacts.not_found') return { entries: [] };
    throw error;
  }
  const { entries } = page;
  // A path naming a file lists that file alone; for MLflow, a file is not a folder.
  if (entries.length === 1 && entries[0]?.type === 'file' && entries[0].path === location.path) {
    return { entries: [] };
  }
  return page.nextPageToken ? { entries, nextPageToken: page.nextPageToken } : { entries };
}

/**
 * Every entry of one folder, for the artifact proxy's listing, which MLflow does not page: a
 * folder whose listing would not fit one response is refused rather than cut short.
 */
async function folder(tenantId: string, location: Location): Promise<Entry[]> {
  const entries: Entry[] = [];
  let bytes = 0;
  let pageToken: string | undefined;
  do {
    const page = await folderPage(tenantId, location, pageToken);
    for (const entry of page.entries) bytes += wireBytes(fileInfo(entry, baseName(entry.path)));
    if (bytes > pageBudgetBytes) {
      throw responseTooLarge(
        `The listing of "${location.path || '/'}"`,
        "list its sub-folders, or page through it with Cairn's GET /api/v1/runs/{runId}/artifacts",
        { path: location.path },
      );
    }
    entries.push(...page.entries);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return entries;
}

const fileInfo = (entry: Entry, path: string) =>
  entry.type === 'folder' ? { path, is_dir: true } : { path, is_dir: false, file_size: entry.size };

const ArtifactPath = z.object({ path: z.string().min(1).max(4096) });

const multipartRefusal = operation({
  summary: 'MLflow multipart upload: refused, so the client falls back to one PUT',
  path: ArtifactPath,
  handle: async () => {
    // MLflow's client recognises this message and retries with a single PUT.
    throw new CairnError(
      'mlflow.multipart_unsupported',
      'Multipart upload is not supported for the current artifact repository',
    );
  },
});

export const artifactOperations = {
  mlflowUploadArtifact: operation({
    summary: "MLflow artifact proxy: PUT a file's bytes into a run's or logged model's artifacts",
    path: ArtifactPath,
    rawBody: true,
    body: z.instanceof(Buffer),
    handle: async ({ caller, path, body }) => {
      await storeFile(caller.tenantId, await locate(caller.tenantId, path.path), body);
      return {};
    },
  }),

  mlflowDownloadArtifact: operation({
    summary: 'MLflow artifact proxy: GET a file (a redirect to a short-lived download URL)',
    path: ArtifactPath,
    handle: async ({ caller, path }) => {
      const location = await locate(caller.tenantId, path.path);
      const { files } = await Artifacts.artifactUrls(caller.tenantId, location.runId, {
        path: location.path,
        maxResults: 1,
      });
      const file = files[0];
      if (!file || file.path !== location.path) throw notFound(path.path);
      return new Reply(307, { location: file.url, 'cache-control': 'no-store' });
    },
  }),

  mlflowListArtifacts: operation({
    summary: 'MLflow artifact proxy: the files and folders directly under a path, by name',
    query: z.object({ path: OneString.optional() }),
    handle: async ({ caller, query }) => {
      let location: Location;
      try {
        location = await locate(caller.tenantId, query.path ?? '');
      } catch (error) {
        // MLflow lists paths that may not exist yet; anything not a run's or a model's is empty.
        if (error instanceof CairnError && error.code === 'mlflow.unsupported_artifact_path') return {};
        throw error;
      }
      const entries = await folder(caller.tenantId, location);
      return entries.length ? { files: entries.map((entry) => fileInfo(entry, baseName(entry.path))) } : {};
    },
  }),

  mlflowListRunArtifacts: operation({
    summary: "MLflow ListArtifacts: a folder of a run's artifacts, paths from the run's root",
    query: aboutRun({ path: OneString.optional(), page_token: OneString.optional() }),
    handle: async ({ caller, query }) => {
      const run = await Runs.getRun(caller.tenantId, query.runId);
      // MLflow's ListArtifacts pages: one page of the folder, and the token for the next.
      const page = await folderPage(
        caller.tenantId,
        { runId: run.id, path: query.path ?? '' },
        query.page_token,
      );
      return {
        root_uri: run.artifactUri,
        files: page.entries.map((entry) => fileInfo(entry, entry.path)),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      };
    },
  }),

  mlflowCreateMultipartUpload: multipartRefusal,
  mlflowCompleteMultipartUpload: {
    ...multipartRefusal,
    summary: 'MLflow multipart upload completion: refused',
  },
  mlflowAbortMultipartUpload: { ...multipartRefusal, summary: 'MLflow multipart upload abort: refused' },
};
