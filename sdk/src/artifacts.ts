import { CairnError } from './errors.ts';
import {
  type ApiClient,
  type DownloadResult,
  downloadFiles,
  type HashedFile,
  hashAndUpload,
  listFiles,
  type TransferOptions,
  type UploadResult,
} from './transfers.ts';

/**
 * Run artifacts and dataset lineage from the SDK: what `run.logArtifact(s)`, `run.useDataset`,
 * `cairn.listArtifacts` and `cairn.downloadArtifacts` call (Node only, for the file system).
 */

export type ArtifactEntry =
  | { type: 'file'; path: string; size: number; sha256: string }
  | { type: 'folder'; path: string; size: number; fileCount: number };

export interface ArtifactListing {
  path: string;
  totalSize: number;
  fileCount: number;
  entries: ArtifactEntry[];
}

export interface RunInput {
  runId: string;
  dataset: string;
  version: number;
  digest: string;
  context: string;
  recordedAt: number;
}

export interface LogArtifactOptions extends TransferOptions {
  /** A folder inside the run's artifacts; default the root. */
  artifactPath?: string;
}

const seg = encodeURIComponent;
/** Files per logging request: well inside the API's 1 MB body limit for ordinary paths. */
const filesPerRequest = 2000;

async function record(client: ApiClient, runId: string, files: readonly HashedFile[], artifactPath: string) {
  for (let i = 0; i < files.length; i += filesPerRequest) {
    await client.request('POST', `/runs/${seg(runId)}/artifacts`, {
      artifactPath,
      files: files.slice(i, i + filesPerRequest).map(({ path, sha256, size }) => ({ path, sha256, size })),
    });
  }
}

/**
 * Logs one local file as `<artifactPath>/<its name>`.
 *
 * @example
 * await logArtifact(client, run.id, './model.pkl', { artifactPath: 'model' });
 */
export async function logArtifact(
  client: ApiClient,
  runId: string,
  file: string,
  options: LogArtifactOptions = {},
): Promise<UploadResult> {
  const found = await listFiles(file);
  if (found.length !== 1 || found[0]!.path.includes('/')) {
    throw new CairnError('client.invalid_argument', `${file} is not a file; use logArtifacts for a folder`);
  }
  const { files, upload } = await hashAndUpload(client, found, options);
  await record(client, runId, files, options.artifactPath ?? '');
  return upload;
}

/** Logs every file below a local folder, keeping its layout, under `artifactPath`. */
export async function logArtifacts(
  client: ApiClient,
  runId: string,
  dir: string,
  options: LogArtifactOptions = {},
): Promise<UploadResult> {
  const { files, upload } = await hashAndUpload(client, await listFiles(dir), options);
  await record(client, runId, files, options.artifactPath ?? '');
  return upload;
}

/** One folder of a run's artifact tree (or, `recursive`, every file below it), all pages. */
export async function listArtifacts(
  client: ApiClient,
  runId: string,
  options: { path?: string; recursive?: boolean } = {},
): Promise<ArtifactListing> {
  const base = `/runs/${seg(runId)}/artifacts?path=${seg(options.path ?? '')}&recursive=${options.recursive ?? false}&maxResults=10000`;
  const first = await client.request<ArtifactListing & { nextPageToken?: string }>('GET', base);
  const entries = [...first.entries];
  for (let token = first.nextPageToken; token; ) {
    const page = await client.request<{ entries: ArtifactEntry[]; nextPageToken?: string }>(
      'GET',
      `${base}&pageToken=${seg(token)}`,
    );
    entries.push(...page.entries);
    token = page.nextPageToken;
  }
  const { nextPageToken: _more, ...listing } = first;
  return { ...listing, entries };
}

/**
 * Downloads one artifact file or folder into `dest`, keeping paths as in the run
 * (`dest/<artifact path>`); files already there with the right SHA-256 are kept.
 *
 * @example
 * await downloadArtifacts(client, run.id, 'model', './restored');
 */
export async function downloadArtifacts(
  client: ApiClient,
  runId: string,
  path: string,
  dest: string,
  options: TransferOptions = {},
): Promise<DownloadResult> {
  const listing = await listArtifacts(client, runId, { path, recursive: true });
  const files = listing.entries.flatMap((entry) => (entry.type === 'file' ? [entry] : []));
  const urlsOf = async (one: string) =>
    (
      await client.request<{ files: { path: string; url: string }[] }>(
        'GET',
        `/runs/${seg(runId)}/artifacts/urls?path=${seg(one)}`,
      )
    ).files;
  return downloadFiles(files, dest, {
    ...options,
    // A few files: one request each. Many: the folder's URLs, a page of 1,000 at a time.
    urlsFor: async (paths) => {
      if (paths.length <= 16) return (await Promise.all(paths.map(urlsOf))).flat();
      const wanted = new Set(paths);
      return (await collectFolderUrls(client, runId, listing.path)).filter((url) => wanted.has(url.path));
    },
  });
}

async function collectFolderUrls(client: ApiClient, runId: string, folder: string) {
  const base = `/runs/${seg(runId)}/artifacts/urls?path=${seg(folder)}`;
  const urls: { path: string; url: string }[] = [];
  let token: string | undefined;
  do {
    const page = await client.request<{ files: { path: string; url: string }[]; nextPageToken?: string }>(
      'GET',
      token ? `${base}&pageToken=${seg(token)}` : base,
    );
    urls.push(...page.files);
    token = page.nextPageToken;
  } while (token);
  return urls;
}

/**
 * Records that a run used a dataset version (lineage); `version` defaults to the latest and
 * `context` to `training`.
 *
 * @example
 * await useDataset(client, run.id, 'iris', { version: 2, context: 'training' });
 */
export async function useDataset(
  client: ApiClient,
  runId: string,
  name: string,
  options: { version?: number | string; context?: string } = {},
): Promise<RunInput> {
  const { input } = await client.request<{ input: RunInput }>('POST', `/runs/${seg(runId)}/inputs`, {
    dataset: name,
    version: options.version ?? 'latest',
    context: options.context ?? 'training',
  });
  return input;
}

/** The dataset versions a run used. */
export async function runInputs(client: ApiClient, runId: string): Promise<RunInput[]> {
  return (await client.request<{ inputs: RunInput[] }>('GET', `/runs/${seg(runId)}/inputs`)).inputs;
}
