import type { RunInput } from './artifacts.ts';
import type { CommandOutput } from './cli/command.ts';
import { CairnError } from './errors.ts';
import { formatBytes } from './progress.ts';
import {
  type ApiClient,
  type DownloadResult,
  downloadFiles,
  hashAndUpload,
  listFiles,
  type RemoteFile,
  type TransferOptions,
  type UploadResult,
} from './transfers.ts';

/**
 * Datasets from the SDK and the `cairn data` commands: push a folder as a new version, pull a
 * version into a folder, and read the log, diffs and tags. The commands take a client-ish
 * `{ request }` and an output, so the CLI wires them in without this file knowing its parser.
 */

export interface DatasetVersion {
  dataset: string;
  version: number;
  digest: string;
  message: string;
  createdBy: string;
  createdAt: number;
  fileCount: number;
  totalSize: number;
  tags: string[];
}

export interface VersionDiff {
  from: DatasetVersion;
  to: DatasetVersion;
  added: RemoteFile[];
  removed: RemoteFile[];
  changed: { path: string; from: RemoteFile; to: RemoteFile }[];
  unchanged: number;
  totals: { added: number; removed: number; changed: number };
}

export interface DatasetRef {
  name: string;
  /** A number, `latest` or a tag. */
  version: string;
}

const seg = encodeURIComponent;

/** `iris@2`, `iris@golden`, or `iris` (the latest version). */
export function parseDatasetRef(text: string): DatasetRef {
  const at = text.lastIndexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  const version = at < 0 ? 'latest' : text.slice(at + 1);
  if (!name || !version) {
    throw new CairnError(
      'client.invalid_argument',
      `"${text}" is not a dataset reference: use name, name@2 or name@tag`,
    );
  }
  return { name, version };
}

export interface PushOptions extends TransferOptions {
  name: string;
  message?: string;
  /** Used when this push creates the dataset. */
  description?: string;
  multipartThreshold?: number;
}

export interface PushResult {
  /** False when the folder is exactly the latest version: no version was made. */
  created: boolean;
  version: DatasetVersion;
  upload: UploadResult;
}

/**
 * Pushes a folder (or one file) as a new version of a dataset: hashes every file, uploads the
 * blobs the tenant lacks, records the manifest. A second push after an interruption sends only
 * what is still missing; identical content makes no new version.
 *
 * @example
 * const { version } = await pushDataset(client, './data', { name: 'iris', message: 'first cut' });
 */
export async function pushDataset(client: ApiClient, dir: string, options: PushOptions): Promise<PushResult> {
  const files = await listFiles(dir);
  if (files.length === 0) throw new CairnError('client.invalid_argument', `${dir} holds no files to push`);
  const { files: hashed, upload } = await hashAndUpload(client, files, options);
  const body: Record<string, unknown> = {
    files: hashed.map(({ path, sha256, size }) => ({ path, sha256, size })),
    message: options.message ?? '',
  };
  if (options.description !== undefined) body.description = options.description;
  const committed = await client.request<{ created: boolean; version: DatasetVersion }>(
    'POST',
    `/datasets/${seg(options.name)}/versions`,
    body,
  );
  return { ...committed, upload };
}

/** Every file of a version, following pages. */
export async function versionFiles(
  client: ApiClient,
  ref: DatasetRef,
): Promise<{ version: DatasetVersion; files: RemoteFile[] }> {
  const path = `/datasets/${seg(ref.name)}/versions/${seg(ref.version)}`;
  const first = await client.request<{
    version: DatasetVersion;
    files: RemoteFile[];
    nextPageToken?: string;
  }>('GET', `${path}?maxResults=10000`);
  const files = [...first.files];
  // Later pages by number: a tag could move between two pages, a number cannot.
  const fixed = `/datasets/${seg(ref.name)}/versions/${first.version.version}`;
  for (let token = first.nextPageToken; token; ) {
    const page = await client.request<{ files: RemoteFile[]; nextPageToken?: string }>(
      'GET',
      `${fixed}?maxResults=10000&pageToken=${seg(token)}`,
    );
    files.push(...page.files);
    token = page.nextPageToken;
  }
  return { version: first.version, files };
}

/**
 * Pulls a version into a folder: files already there with the right SHA-256 are kept, the rest
 * are downloaded in parallel, verified, and renamed into place.
 *
 * @example
 * await pullDataset(client, parseDatasetRef('iris@2'), './out');
 */
export async function pullDataset(
  client: ApiClient,
  ref: DatasetRef,
  dest: string,
  options: TransferOptions = {},
): Promise<{ version: DatasetVersion } & DownloadResult> {
  const { version, files } = await versionFiles(client, ref);
  const urlsPath = `/datasets/${seg(ref.name)}/versions/${version.version}/urls`;
  const result = await downloadFiles(files, dest, {
    ...options,
    urlsFor: async (paths) =>
      (await client.request<{ files: { path: string; url: string }[] }>('POST', urlsPath, { paths })).files,
  });
  return { version, ...result };
}

export async function listVersions(client: ApiClient, name: string, max = 1000): Promise<DatasetVersion[]> {
  const versions: DatasetVersion[] = [];
  let token: string | undefined;
  do {
    const query = `maxResults=${Math.min(1000, max - versions.length)}${token ? `&pageToken=${seg(token)}` : ''}`;
    const page = await client.request<{ versions: DatasetVersion[]; nextPageToken?: string }>(
      'GET',
      `/datasets/${seg(name)}/versions?${query}`,
    );
    versions.push(...page.versions);
    token = page.nextPageToken;
  } while (token && versions.length < max);
  return versions;
}

export function diffVersions(client: ApiClient, from: DatasetRef, to: DatasetRef): Promise<VersionDiff> {
  if (from.name !== to.name) {
    throw new CairnError(
      'client.invalid_argument',
      `Diff two versions of one dataset, not ${from.name} and ${to.name}`,
    );
  }
  return (async () => {
    // The server pages large diffs; this gathers every page.
    let whole: VersionDiff | undefined;
    let token: string | undefined;
    do {
      const page = await client.request<VersionDiff & { nextPageToken?: string }>(
        'GET',
        `/datasets/${seg(from.name)}/diff?from=${seg(from.version)}&to=${seg(to.version)}${token ? `&pageToken=${seg(token)}` : ''}`,
      );
      token = page.nextPageToken;
      const { nextPageToken: _next, ...diff } = page;
      if (!whole) whole = diff;
      else {
        whole.added.push(...diff.added);
        whole.removed.push(...diff.removed);
        whole.changed.push(...diff.changed);
      }
    } while (token);
    return whole;
  })();
}

export function tagVersion(
  client: ApiClient,
  ref: DatasetRef,
  tag: string,
): Promise<{ tag: string; version: number }> {
  return client.request('PUT', `/datasets/${seg(ref.name)}/tags/${seg(tag)}`, { version: ref.version });
}

export interface Dataset {
  name: string;
  description: string;
  tags: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  /** 0 before the first version. */
  latestVersion: number;
  latestDigest: string | null;
}

/** The tenant's datasets, by name, up to `max`. */
export async function listDatasets(client: ApiClient, max = 1000): Promise<Dataset[]> {
  const datasets: Dataset[] = [];
  let token: string | undefined;
  do {
    const query = `maxResults=${Math.min(1000, max - datasets.length)}${token ? `&pageToken=${seg(token)}` : ''}`;
    const page = await client.request<{ datasets: Dataset[]; nextPageToken?: string }>(
      'GET',
      `/datasets?${query}`,
    );
    datasets.push(...page.datasets);
    token = page.nextPageToken;
  } while (token && datasets.length < max);
  return datasets;
}

/** The runs that used a dataset version (lineage, the other way from `run.useDataset`). */
export async function versionRuns(client: ApiClient, ref: DatasetRef): Promise<RunInput[]> {
  return (
    await client.request<{ runs: RunInput[] }>(
      'GET',
      `/datasets/${seg(ref.name)}/versions/${seg(ref.version)}/runs`,
    )
  ).runs;
}

/** `cairn.datasets`: versioned folders of files. References are `iris` (latest), `iris@2` or `iris@golden`. */
export interface DatasetsApi {
  /**
   * Pushes a folder (Node) as the next version of a dataset, created on first push: only the blobs
   * the tenant does not hold yet are uploaded, and content identical to the latest version makes
   * no new version (`created: false`).
   *
   * @example
   * const { version, upload } = await cairn.datasets.push('./data', { name: 'iris', message: 'first cut' });
   */
  push(dir: string, options: PushOptions): Promise<PushResult>;
  /**
   * Pulls a version into a folder (Node): files already there with the right SHA-256 are kept, the
   * rest downloaded, verified and renamed into place.
   *
   * @example
   * await cairn.datasets.pull('iris@1', './iris-v1');
   */
  pull(
    ref: string,
    dest: string,
    options?: TransferOptions,
  ): Promise<{ version: DatasetVersion } & DownloadResult>;
  list(options?: { max?: number }): Promise<Dataset[]>;
  /** A version with every file in its manifest. */
  get(ref: string): Promise<{ version: DatasetVersion; files: RemoteFile[] }>;
  /** Versions, newest first. */
  log(name: string, options?: { max?: number }): Promise<DatasetVersion[]>;
  /** What changed between two versions of one dataset: `diff('iris@1', 'iris@2')`. */
  diff(from: string, to: string): Promise<VersionDiff>;
  /** Names a version (`golden`, `v1.0`); setting a tag again moves it. */
  tag(ref: string, tag: string): Promise<{ tag: string; version: number }>;
  /** The runs that used a version, with the context they declared. */
  runs(ref: string): Promise<RunInput[]>;
}

export function datasetsApi(client: ApiClient): DatasetsApi {
  // async throughout, so that a malformed reference rejects instead of throwing.
  return {
    push: async (dir, options) => pushDataset(client, dir, options),
    pull: async (ref, dest, options) => pullDataset(client, parseDatasetRef(ref), dest, options),
    list: async (options) => listDatasets(client, options?.max),
    get: async (ref) => versionFiles(client, parseDatasetRef(ref)),
    log: async (name, options) => listVersions(client, name, options?.max),
    diff: async (from, to) => diffVersions(client, parseDatasetRef(from), parseDatasetRef(to)),
    tag: async (ref, tag) => tagVersion(client, parseDatasetRef(ref), tag),
    runs: async (ref) => versionRuns(client, parseDatasetRef(ref)),
  };
}

const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const show = (output: CommandOutput, value: unknown, text: () => string) =>
  output.print(output.json ? JSON.stringify(value, null, 2) : text());

/** `cairn data push <dir> --name iris -m "first cut"` */
export async function dataPush(
  client: ApiClient,
  args: { dir: string; name: string; message?: string; description?: string; concurrency?: number },
  output: CommandOutput,
): Promise<PushResult> {
  const result = await pushDataset(client, args.dir, { ...args, progress: output.progress });
  const { version, upload } = result;
  show(output, result, () => {
    const sent = `uploaded ${upload.uploadedBlobs} blob(s), ${formatBytes(upload.uploadedBytes)}; ${upload.presentBlobs} already stored`;
    return result.created
      ? `${version.dataset}@${version.version}  ${version.fileCount} files, ${formatBytes(version.totalSize)}  (${sent})\ndigest ${version.digest}`
      : `No change: the files are exactly ${version.dataset}@${version.version} (digest ${version.digest}); no new version.`;
  });
  return result;
}

/** `cairn data pull iris@2 ./out` */
export async function dataPull(
  client: ApiClient,
  args: { ref: string; dest: string; concurrency?: number },
  output: CommandOutput,
) {
  const result = await pullDataset(client, parseDatasetRef(args.ref), args.dest, {
    progress: output.progress,
    ...(args.concurrency ? { concurrency: args.concurrency } : {}),
  });
  show(
    output,
    result,
    () =>
      `${result.version.dataset}@${result.version.version} in ${args.dest}: downloaded ${result.downloaded} file(s), ${formatBytes(result.downloadedBytes)}; ${result.skipped} already up to date`,
  );
  return result;
}

/** `cairn data log iris` */
export async function dataLog(
  client: ApiClient,
  args: { name: string; max?: number },
  output: CommandOutput,
) {
  const versions = await listVersions(client, args.name, args.max ?? 1000);
  show(output, versions, () =>
    versions.length === 0
      ? `${args.name} has no versions yet.`
      : versions
          .map((v) => {
            const tags = v.tags.length ? `  (${v.tags.join(', ')})` : '';
            const message = v.message ? `\n    ${v.message}` : '';
            return `${v.dataset}@${v.version}${tags}  ${when(v.createdAt)}  ${v.createdBy}  ${v.fileCount} files, ${formatBytes(v.totalSize)}  ${v.digest.slice(0, 12)}${message}`;
          })
          .join('\n'),
  );
  return versions;
}

/** `cairn data diff iris@1 iris@2` */
export async function dataDiff(client: ApiClient, args: { from: string; to: string }, output: CommandOutput) {
  const diff = await diffVersions(client, parseDatasetRef(args.from), parseDatasetRef(args.to));
  show(output, diff, () => {
    const lines = [
      ...diff.added.map((f) => `+ ${f.path}  (${formatBytes(f.size)})`),
      ...diff.removed.map((f) => `- ${f.path}  (${formatBytes(f.size)})`),
      ...diff.changed.map((c) => `M ${c.path}  (${formatBytes(c.from.size)} → ${formatBytes(c.to.size)})`),
    ].sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : 1));
    const summary = `${diff.from.dataset}@${diff.from.version} → @${diff.to.version}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed, ${diff.unchanged} unchanged`;
    return [...lines, summary].join('\n');
  });
  return diff;
}

/** `cairn data tag iris@2 golden` */
export async function dataTag(client: ApiClient, args: { ref: string; tag: string }, output: CommandOutput) {
  const ref = parseDatasetRef(args.ref);
  const tagged = await tagVersion(client, ref, args.tag);
  show(output, tagged, () => `${ref.name}@${tagged.tag} → version ${tagged.version}`);
  return tagged;
}
