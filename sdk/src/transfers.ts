import { CairnError } from './errors.ts';
import { nodeBuiltins } from './node-builtins.ts';
import { Progress, type ProgressSink } from './progress.ts';

/**
 * Moving bytes between a machine and the artifact store, for dataset pushes and pulls and run
 * artifacts (Node only). Bytes go straight to and from S3 through presigned URLs; the API only
 * signs, confirms and records. Files are hashed streaming and in parallel; uploads and downloads
 * run with bounded concurrency, retry transient failures, re-sign expired URLs, and a pull never
 * leaves a partly written file under its final name. Node's modules are looked up when a transfer
 * starts (see node-builtins.ts), so that importing this file is harmless in a browser.
 */

/** What these functions need of a client: one authenticated JSON request below `/api/v1`. */
export interface ApiClient {
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export interface HashedFile {
  /** Relative, `/`-separated: the path inside the dataset or artifact folder. */
  path: string;
  absPath: string;
  size: number;
  sha256: string;
}

export interface TransferOptions {
  /** Files hashed, and requests in flight, at once. Default: 8 for transfers, the CPU count for hashing. */
  concurrency?: number;
  /** Where progress goes (stderr in the CLI); none by default. */
  progress?: ProgressSink;
  /** Instead of the global `fetch`. */
  fetch?: typeof fetch;
  /** Attempts per request, the first included. Default 4. */
  attempts?: number;
}

export interface UploadOptions extends TransferOptions {
  /** Blobs above this go in parts; the API accepts 8 MiB to 64 MiB (its default). */
  multipartThreshold?: number;
  /**
   * How long to wait for the server to verify blobs sent in parts (it hashes each before it becomes
   * a blob). Default 20 minutes, beyond the verifier's own 15-minute limit.
   */
  verifyTimeoutMs?: number;
}

export interface UploadResult {
  /** Distinct blobs sent now, and their bytes. */
  uploadedBlobs: number;
  uploadedBytes: number;
  /** Distinct blobs the tenant already held: not sent. */
  presentBlobs: number;
  presentBytes: number;
}

const defaultConcurrency = 8;
/** Blobs per declaration: small enough that uploads start early, big enough to keep requests few. */
const declareBatch = 64;
const declareBatchBytes = 512 * 1024 * 1024;
const maxBatchesAhead = 3;
const completeBatch = { blobs: 1000, multipart: 100 };

async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++]!;
      try {
        await run(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Every regular file below `root` (symlinks to files followed, to folders not), sorted by path. */
export async function listFiles(root: string): Promise<{ path: string; absPath: string; size: number }[]> {
  const { fsp, path: paths } = nodeBuiltins();
  const { dirname, join, relative, resolve, sep } = paths;
  const { readdir, stat } = fsp;
  const base = resolve(root);
  const top = await stat(base).catch(() => undefined);
  if (!top) throw new CairnError('client.invalid_argument', `${root} does not exist`);
  if (top.isFile()) return [{ path: base.slice(dirname(base).length + 1), absPath: base, size: top.size }];
  const found: { path: string; absPath: string; size: number }[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const absPath = join(dir, entry.name);
      if (entry.isDirectory()) await walk(absPath);
      else if (entry.isFile() || entry.isSymbolicLink()) {
        const info = await stat(absPath).catch(() => undefined);
        if (info?.isFile())
          found.push({ path: relative(base, absPath).split(sep).join('/'), absPath, size: info.size });
      }
    }
  };
  await walk(base);
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** SHA-256 and size of a file, read as a stream. */
export async function hashFile(
  absPath: string,
  onBytes?: (count: number) => void,
): Promise<{ sha256: string; size: number }> {
  const { crypto, fs } = nodeBuiltins();
  const hash = crypto.createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(absPath, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
    onBytes?.((chunk as Buffer).length);
  }
  return { sha256: hash.digest('hex'), size };
}

type LocalFile = { path: string; absPath: string; size: number };

/**
 * Hashes files several at a time (reading one overlaps hashing another) and yields each as soon
 * as it is done, so that uploads can start before the last file is hashed.
 */
export async function* hashStream(
  files: readonly LocalFile[],
  options: { concurrency?: number } = {},
): AsyncGenerator<HashedFile> {
  const ready: HashedFile[] = [];
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const cpus = nodeBuiltins().os.availableParallelism();
  const all = eachLimited(files, options.concurrency ?? Math.max(2, cpus), async (file) => {
    const { sha256, size } = await hashFile(file.absPath);
    ready.push({ ...file, size, sha256 });
    notify();
  }).then(
    () => notify(),
    (error: unknown) => {
      failure = error;
      notify();
    },
  );
  let done = false;
  void all.then(() => {
    done = true;
    notify();
  });
  for (;;) {
    while (ready.length) yield ready.shift()!;
    if (failure !== undefined) throw failure;
    if (done) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
}

/** Every file hashed, in the order given. */
export async function hashFiles(
  files: readonly LocalFile[],
  options: TransferOptions = {},
): Promise<HashedFile[]> {
  const progress = new Progress({
    label: 'hashing',
    totalFiles: files.length,
    totalBytes: files.reduce((sum, file) => sum + file.size, 0),
    sink: options.progress,
  });
  const byPath = new Map<string, HashedFile>();
  for await (const file of hashStream(files, options)) {
    byPath.set(file.absPath, file);
    progress.skip(file.size);
  }
  progress.finish();
  return files.map((file) => byPath.get(file.absPath)!);
}

interface Signed {
  method: 'PUT' | 'GET';
  url: string;
  headers: Record<string, string>;
}
interface PartUrl extends Signed {
  partNumber: number;
  size: number;
}
type Plan =
  | { status: 'present'; sha256: string; size: number }
  | { status: 'put'; sha256: string; size: number; request: Signed }
  | {
      status: 'multipart';
      sha256: string;
      size: number;
      uploadId: string;
      partSize: number;
      partCount: number;
    }
  | { status: 'verifying'; sha256: string; size: number; uploadId: string };

interface UploadStatus {
  uploadId: string;
  sha256: string;
  size: number;
  state: 'open' | 'verifying' | 'verified' | 'failed';
  error?: { code: string; message: string };
}

/** Failures worth another attempt: the network, the store's throttling or errors. 403 is an expired URL. */
class TransferFailure extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
  get expired(): boolean {
    return this.status === 403;
  }
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

function readBody(
  absPath: string,
  start: number,
  length: number,
  onBytes: (count: number) => void,
): BodyInit {
  if (length === 0) return new Uint8Array(0);
  const stream = nodeBuiltins().fs.createReadStream(absPath, {
    start,
    end: start + length - 1,
    highWaterMark: 1024 * 1024,
  });
  stream.on('data', (chunk) => onBytes((chunk as Buffer).length));
  // Node's fetch takes an async iterable body as is; converting to a web stream costs throughput.
  return stream as unknown as BodyInit;
}

/** One PUT of a file range to a presigned URL; the length is signed, so it is sent, not chunked. */
async function put(
  fetcher: typeof fetch,
  request: Signed,
  file: { absPath: string },
  range: { start: number; length: number },
  progress: Progress,
): Promise<string | null> {
  let sent = 0;
  try {
    const answer = await fetcher(request.url, {
      method: 'PUT',
      headers: { ...request.headers, 'content-length': String(range.length) },
      body: readBody(file.absPath, range.start, range.length, (count) => {
        sent += count;
        progress.addBytes(count);
      }),
      duplex: 'half',
    } as RequestInit);
    if (!answer.ok) {
      const text = await answer.text().catch(() => '');
      throw new TransferFailure(`PUT failed with ${answer.status}: ${text.slice(0, 200)}`, answer.status);
    }
    await answer.arrayBuffer().catch(() => undefined);
    return answer.headers.get('etag');
  } catch (error) {
    progress.addBytes(-sent);
    if (error instanceof TransferFailure) throw error;
    throw new TransferFailure(`PUT failed: ${(error as Error).message}`, 0);
  }
}

/** One PUT of bytes held in memory (a part, read once to be hashed) to a presigned URL. */
async function putBytes(
  fetcher: typeof fetch,
  request: Signed,
  bytes: Uint8Array,
  progress: Progress,
): Promise<string | null> {
  try {
    const answer = await fetcher(request.url, {
      method: 'PUT',
      headers: { ...request.headers, 'content-length': String(bytes.length) },
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    if (!answer.ok) {
      const text = await answer.text().catch(() => '');
      throw new TransferFailure(`PUT failed with ${answer.status}: ${text.slice(0, 200)}`, answer.status);
    }
    await answer.arrayBuffer().catch(() => undefined);
    progress.addBytes(bytes.length);
    return answer.headers.get('etag');
  } catch (error) {
    if (error instanceof TransferFailure) throw error;
    throw new TransferFailure(`PUT failed: ${(error as Error).message}`, 0);
  }
}

/** One part of a file, read into memory: it is hashed (its SHA-256 is signed into its URL), then sent. */
async function readPart(absPath: string, start: number, length: number): Promise<Buffer> {
  const { fsp } = nodeBuiltins();
  const handle = await fsp.open(absPath, 'r');
  try {
    const bytes = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(bytes, read, length - read, start + read);
      if (bytesRead === 0)
        throw new CairnError('client.invalid_argument', `${absPath} changed while it was uploaded`);
      read += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/**
 * Signs part URLs for one upload, gathering the parts asked for while a request is out into the
 * next one: parts are hashed one by one as they are read, yet signed in batches.
 */
function partSigner(api: ApiClient, uploadId: string) {
  const waiting: {
    partNumber: number;
    sha256: string;
    done: (url: PartUrl) => void;
    fail: (e: unknown) => void;
  }[] = [];
  let busy = false;
  const flush = async () => {
    if (busy || waiting.length === 0) return;
    busy = true;
    const batch = waiting.splice(0, 1000);
    try {
      const { parts } = await api.request<{ parts: PartUrl[] }>('POST', '/uploads/parts', {
        uploadId,
        parts: batch.map(({ partNumber, sha256 }) => ({ partNumber, sha256 })),
      });
      const byNumber = new Map(parts.map((part) => [part.partNumber, part]));
      for (const entry of batch) {
        const url = byNumber.get(entry.partNumber);
        if (url) entry.done(url);
        else
          entry.fail(
            new CairnError('client.transfer_failed', `No URL was signed for part ${entry.partNumber}`),
          );
      }
    } catch (error) {
      for (const entry of batch) entry.fail(error);
    } finally {
      busy = false;
      void flush();
    }
  };
  return (partNumber: number, sha256: string) =>
    new Promise<PartUrl>((done, fail) => {
      waiting.push({ partNumber, sha256, done, fail });
      queueMicrotask(() => void flush());
    });
}

/**
 * Waits until the server has verified the given multipart uploads (it hashes each whole blob
 * before the blob counts as present), polling with backoff and showing progress as `verifying`.
 * A refused upload is an error with the server's reason (`blobs.checksum_mismatch`: the bytes sent
 * were not the declared ones); a wait past `timeoutMs` is `client.transfer_failed`, and pushing
 * again later resumes it (the next push waits for the same verification).
 */
export async function awaitVerification(
  client: ApiClient,
  uploads: readonly { uploadId: string; sha256: string; size: number }[],
  options: { progress?: ProgressSink; timeoutMs?: number } = {},
): Promise<void> {
  if (uploads.length === 0) return;
  const progress = new Progress({
    label: 'verifying',
    totalFiles: uploads.length,
    totalBytes: uploads.reduce((sum, upload) => sum + upload.size, 0),
    sink: options.progress,
  });
  const pending = new Map(uploads.map((upload) => [upload.uploadId, upload]));
  const deadline = Date.now() + (options.timeoutMs ?? 20 * 60_000);
  let delayMs = 200;
  while (pending.size) {
    const ids = [...pending.keys()];
    for (let i = 0; i < ids.length; i += 100) {
      const { uploads: states } = await client.request<{ uploads: UploadStatus[] }>(
        'POST',
        '/uploads/status',
        {
          uploadIds: ids.slice(i, i + 100),
        },
      );
      for (const state of states) {
        if (state.state === 'verified') {
          progress.skip(state.size);
          pending.delete(state.uploadId);
        } else if (state.state === 'failed') {
          throw new CairnError(
            (state.error?.code ?? 'blobs.checksum_mismatch') as 'blobs.checksum_mismatch',
            `Blob ${state.sha256} was refused: ${state.error?.message ?? 'its bytes did not verify'}`,
            { details: { uploadId: state.uploadId, sha256: state.sha256 } },
          );
        } else if (state.state === 'open') {
          throw new CairnError('client.transfer_failed', `Upload ${state.uploadId} was never completed`);
        }
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      throw new CairnError(
        'client.transfer_failed',
        `${pending.size} blob(s) are still being verified by the server; push again later to pick up where this left off`,
        { details: { uploadIds: [...pending.keys()] } },
      );
    }
    await sleep(delayMs);
    delayMs = Math.min(5000, Math.round(delayMs * 1.5));
  }
  progress.finish();
}

/** Runs `attempt`, again on transient failures (backing off) and after `resign` on expired URLs. */
async function withRetries<T>(
  attempts: number,
  attempt: () => Promise<T>,
  resign: () => Promise<void>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof TransferFailure)) throw error;
      const retry = tries < attempts && (error.expired || error.transient);
      if (!retry) {
        throw new CairnError('client.transfer_failed', error.message, {
          details: { status: error.status },
          cause: error,
        });
      }
      if (error.expired) await resign();
      else await sleep(Math.min(8000, 250 * 2 ** tries) * (0.5 + Math.random()));
    }
  }
}

/**
 * Uploads the blobs behind `files` that the tenant does not hold yet, each once however many
 * files share it, and confirms them; then the caller records a manifest naming them. Running it
 * again after an interruption sends only what is still missing.
 *
 * It is a pipeline: files may arrive as they are hashed; they are declared in small batches, and
 * while one batch uploads the next is declared and the previous confirmed, so the API's round
 * trips hide behind the transfers. `expected` sizes the progress bar when `files` is a stream.
 */
export async function uploadFiles(
  client: ApiClient,
  files: Iterable<HashedFile> | AsyncIterable<HashedFile>,
  options: UploadOptions & { expected?: { files: number; bytes: number } } = {},
): Promise<UploadResult> {
  const expected =
    options.expected ??
    (Array.isArray(files)
      ? { files: files.length, bytes: (files as HashedFile[]).reduce((sum, file) => sum + file.size, 0) }
      : { files: 0, bytes: 0 });
  const progress = new Progress({
    label: 'uploading',
    totalFiles: expected.files,
    totalBytes: expected.bytes,
    sink: options.progress,
  });
  const fetcher = options.fetch ?? globalThis.fetch;
  const attempts = options.attempts ?? 4;
  const concurrency = options.concurrency ?? defaultConcurrency;
  const result: UploadResult = { uploadedBlobs: 0, uploadedBytes: 0, presentBlobs: 0, presentBytes: 0 };
  const declare = async (blobs: readonly HashedFile[]) =>
    (
      await client.request<{ blobs: Plan[] }>('POST', '/uploads', {
        blobs: blobs.map(({ sha256, size }) => ({ sha256, size })),
        ...(options.multipartThreshold ? { multipartThreshold: options.multipartThreshold } : {}),
      })
    ).blobs;

  // Requests in flight across files and parts: a big file's parts share the same budget.
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const slot = async <T>(run: () => Promise<T>): Promise<T> => {
    while (inFlight >= concurrency) await new Promise<void>((wake) => waiting.push(wake));
    inFlight++;
    try {
      return await run();
    } finally {
      inFlight--;
      waiting.shift()?.();
    }
  };

  // Parts held in memory (read, hashed, waiting for their URL or being sent), across all files.
  let heldParts = 0;
  const holders: (() => void)[] = [];
  const holdPart = async <T>(run: () => Promise<T>): Promise<T> => {
    while (heldParts >= concurrency) await new Promise<void>((wake) => holders.push(wake));
    heldParts++;
    try {
      return await run();
    } finally {
      heldParts--;
      holders.shift()?.();
    }
  };

  const uploadBatch = async (batch: HashedFile[], plans: Plan[]) => {
    const bySha = new Map(batch.map((file) => [file.sha256, file]));
    const singles: { sha256: string; size: number }[] = [];
    const multiparts: {
      uploadId: string;
      parts: { partNumber: number; etag: string; sha256: string }[];
    }[] = [];
    const verifying: { uploadId: string; sha256: string; size: number }[] = [];
    await eachLimited(plans, concurrency, async (first) => {
      const file = bySha.get(first.sha256)!;
      if (first.status === 'present' || first.status === 'verifying') {
        // Being verified from an earlier push: nothing to send, only to wait for.
        if (first.status === 'verifying') verifying.push(first);
        result.presentBlobs++;
        result.presentBytes += first.size;
        progress.skip(first.size);
        return;
      }
      if (first.status === 'put') {
        // Re-declared when its URL expired: by then another push may have sent it.
        const latest: { plan: Plan } = { plan: first };
        await withRetries(
          attempts,
          () => {
            const { plan } = latest;
            if (plan.status !== 'put') return Promise.resolve(null);
            return slot(() => put(fetcher, plan.request, file, { start: 0, length: file.size }, progress));
          },
          async () => {
            latest.plan = (await declare([file]))[0]!;
          },
        );
        if (latest.plan.status === 'put') singles.push({ sha256: file.sha256, size: file.size });
        else if (latest.plan.status === 'verifying') verifying.push(latest.plan);
      } else {
        multiparts.push({ uploadId: first.uploadId, parts: await uploadParts(client, first, file) });
      }
      result.uploadedBlobs++;
      result.uploadedBytes += file.size;
      progress.fileDone();
    });
    // Confirmed per batch, so that an interrupted push has recorded most of what it sent.
    for (let i = 0; i < singles.length; i += completeBatch.blobs) {
      await client.request('POST', '/uploads/complete', { blobs: singles.slice(i, i + completeBatch.blobs) });
    }
    for (let i = 0; i < multiparts.length; i += completeBatch.multipart) {
      const completed = await client.request<{ verifying: UploadStatus[] }>('POST', '/uploads/complete', {
        multipart: multiparts.slice(i, i + completeBatch.multipart),
      });
      verifying.push(...completed.verifying);
    }
    // Blobs sent in parts become blobs once the server has hashed them: the manifest waits for that.
    await awaitVerification(client, verifying, {
      progress: options.progress,
      timeoutMs: options.verifyTimeoutMs,
    });
  };

  const seen = new Set<string>();
  const running = new Set<Promise<void>>();
  let failure: unknown;
  const launch = async (batch: HashedFile[]) => {
    // Declared just before its turn, so its URLs are fresh; a few batches ahead at most.
    while (running.size >= maxBatchesAhead && failure === undefined) await Promise.race(running);
    if (failure !== undefined) return;
    const task = declare(batch)
      .then((plans) => uploadBatch(batch, plans))
      .catch((error: unknown) => {
        failure ??= error;
      });
    running.add(task);
    void task.finally(() => running.delete(task));
  };

  let batch: HashedFile[] = [];
  let batchBytes = 0;
  let launched = 0;
  for await (const file of files) {
    if (failure !== undefined) break;
    // Another file with the same content: its blob is sent once.
    if (seen.has(file.sha256)) {
      progress.skip(file.size);
      continue;
    }
    seen.add(file.sha256);
    batch.push(file);
    batchBytes += file.size;
    // The first batches are small, so that the first PUTs start after a short declaration.
    if (batch.length >= Math.min(declareBatch, 8 * 2 ** launched) || batchBytes >= declareBatchBytes) {
      launched++;
      await launch(batch);
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length && failure === undefined) await launch(batch);
  await Promise.all(running);
  if (failure !== undefined) throw failure;
  progress.finish();
  return result;

  async function uploadParts(
    api: ApiClient,
    plan: Extract<Plan, { status: 'multipart' }>,
    file: HashedFile,
  ): Promise<{ partNumber: number; etag: string; sha256: string }[]> {
    const sign = partSigner(api, plan.uploadId);
    const { crypto } = nodeBuiltins();
    const numbers = Array.from({ length: plan.partCount }, (_, i) => i + 1);
    const sent: { partNumber: number; etag: string; sha256: string }[] = [];
    try {
      await eachLimited(numbers, concurrency, (partNumber) =>
        holdPart(async () => {
          const start = (partNumber - 1) * plan.partSize;
          const length = Math.min(plan.partSize, plan.size - start);
          // Read once: hashed for the URL (S3 checks the part against it), then sent from memory.
          const bytes = await readPart(file.absPath, start, length);
          const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
          let url = await sign(partNumber, sha256);
          const etag = await withRetries(
            attempts,
            () => slot(() => putBytes(fetcher, url, bytes, progress)),
            async () => {
              url = await sign(partNumber, sha256);
            },
          );
          if (!etag)
            throw new CairnError(
              'client.transfer_failed',
              `The store returned no ETag for part ${partNumber}`,
            );
          sent.push({ partNumber, etag, sha256 });
        }),
      );
    } catch (error) {
      // Leave no half-built upload behind; the bucket's lifecycle rule would, a day later.
      await api.request('POST', '/uploads/abort', { uploadId: plan.uploadId }).catch(() => undefined);
      throw error;
    }
    return sent.sort((a, b) => a.partNumber - b.partNumber);
  }
}

/**
 * Hashes and uploads in one pipeline (uploads start as soon as the first files are hashed).
 * Returns every file with its digest, for the manifest the caller records next.
 */
export async function hashAndUpload(
  client: ApiClient,
  files: readonly LocalFile[],
  options: UploadOptions = {},
): Promise<{ files: HashedFile[]; upload: UploadResult }> {
  const hashed: HashedFile[] = [];
  async function* collected() {
    for await (const file of hashStream(files)) {
      hashed.push(file);
      yield file;
    }
  }
  const upload = await uploadFiles(client, collected(), {
    ...options,
    expected: { files: files.length, bytes: files.reduce((sum, file) => sum + file.size, 0) },
  });
  return { files: hashed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), upload };
}

export interface RemoteFile {
  path: string;
  sha256: string;
  size: number;
}

export interface DownloadOptions extends TransferOptions {
  /** Presigned GET URLs for these paths (a page at a time, fetched just before use, as they expire). */
  urlsFor(paths: readonly string[]): Promise<{ path: string; url: string }[]>;
}

export interface DownloadResult {
  downloaded: number;
  downloadedBytes: number;
  /** Already present with the right SHA-256. */
  skipped: number;
}

/** `dest/path`, refusing any path that would land outside `dest` (the server's word is not enough). */
export function targetPath(dest: string, path: string): string {
  const { isAbsolute, resolve, sep } = nodeBuiltins().path;
  const root = resolve(dest);
  const target = resolve(root, ...path.split('/'));
  if (isAbsolute(path) || path.includes('\\') || !target.startsWith(root + sep)) {
    throw new CairnError('client.invalid_argument', `Refusing to write "${path}" outside ${root}`);
  }
  return target;
}

async function alreadyThere(target: string, file: RemoteFile): Promise<boolean> {
  const info = await nodeBuiltins()
    .fsp.stat(target)
    .catch(() => undefined);
  if (!info?.isFile() || info.size !== file.size) return false;
  return (await hashFile(target)).sha256 === file.sha256;
}

/** GETs one file into a temporary sibling, verifying size and SHA-256, then renames it into place. */
async function fetchInto(
  fetcher: typeof fetch,
  url: string,
  target: string,
  file: RemoteFile,
  progress: Progress,
): Promise<void> {
  const { crypto, fs, fsp, path, stream } = nodeBuiltins();
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.cairn-partial-${crypto.randomBytes(4).toString('hex')}`;
  let received = 0;
  try {
    let answer: Response;
    try {
      answer = await fetcher(url);
    } catch (error) {
      throw new TransferFailure(`GET failed: ${(error as Error).message}`, 0);
    }
    if (!answer.ok || !answer.body) {
      await answer.arrayBuffer().catch(() => undefined);
      throw new TransferFailure(`GET ${file.path} failed with ${answer.status}`, answer.status);
    }
    const hash = crypto.createHash('sha256');
    const out = fs.createWriteStream(temporary);
    try {
      for await (const chunk of stream.Readable.fromWeb(answer.body as never)) {
        hash.update(chunk as Buffer);
        received += (chunk as Buffer).length;
        progress.addBytes((chunk as Buffer).length);
        if (!out.write(chunk)) await new Promise<void>((drained) => out.once('drain', () => drained()));
      }
    } catch (error) {
      throw new TransferFailure(`GET ${file.path} broke off: ${(error as Error).message}`, 0);
    } finally {
      await new Promise<void>((closed, failed) =>
        out.end((error?: Error | null) => (error ? failed(error) : closed())),
      );
    }
    const sha256 = hash.digest('hex');
    if (received !== file.size || sha256 !== file.sha256) {
      throw new CairnError(
        'client.checksum_mismatch',
        `${file.path}: received ${received} bytes with SHA-256 ${sha256}; expected ${file.size} bytes with ${file.sha256}`,
        { details: { path: file.path, expected: file.sha256, actual: sha256 } },
      );
    }
    await fsp.rename(temporary, target);
  } catch (error) {
    progress.addBytes(-received);
    await fsp.rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Downloads files into `dest` in parallel. A file already there with the right SHA-256 is kept;
 * a stale or corrupted one is replaced. Each file is written under a temporary name, verified,
 * and renamed into place, so an interrupted pull never leaves a partial file under a final name.
 */
export async function downloadFiles(
  files: readonly RemoteFile[],
  dest: string,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const targets = files.map((file) => ({ file, target: targetPath(dest, file.path) }));
  const progress = new Progress({
    label: 'downloading',
    totalFiles: files.length,
    totalBytes: files.reduce((sum, file) => sum + file.size, 0),
    sink: options.progress,
  });
  const concurrency = options.concurrency ?? defaultConcurrency;
  const fetcher = options.fetch ?? globalThis.fetch;
  const attempts = options.attempts ?? 4;
  const result: DownloadResult = { downloaded: 0, downloadedBytes: 0, skipped: 0 };

  const needed: typeof targets = [];
  await eachLimited(targets, Math.max(2, nodeBuiltins().os.availableParallelism()), async (entry) => {
    if (await alreadyThere(entry.target, entry.file)) {
      result.skipped++;
      progress.skip(entry.file.size);
    } else needed.push(entry);
  });

  for (let offset = 0; offset < needed.length; offset += 1000) {
    const batch = needed.slice(offset, offset + 1000);
    const urls = new Map(
      (await options.urlsFor(batch.map((entry) => entry.file.path))).map((u) => [u.path, u.url]),
    );
    await eachLimited(batch, concurrency, async ({ file, target }) => {
      const once = () =>
        withRetries(
          attempts,
          () => fetchInto(fetcher, urls.get(file.path)!, target, file, progress),
          async () => {
            for (const fresh of await options.urlsFor([file.path])) urls.set(fresh.path, fresh.url);
          },
        );
      try {
        await once();
      } catch (error) {
        // Bytes corrupted in transit are worth one more try; a store that keeps serving other bytes is not.
        if (!CairnError.is(error, 'client.checksum_mismatch')) throw error;
        await once();
      }
      result.downloaded++;
      result.downloadedBytes += file.size;
      progress.fileDone();
    });
  }
  progress.finish();
  return result;
}
