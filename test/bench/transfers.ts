import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type DatasetRef, pullDataset, pushDataset } from '../../sdk/src/data-commands.ts';
import type { ApiClient } from '../../sdk/src/transfers.ts';
import { createTransport } from '../../sdk/src/transport.ts';
import { fmt } from './stack.ts';

const MiB = 1024 * 1024;

interface StackProcess {
  url: string;
  env: Record<string, string>;
  tenantId: string;
  apiKey: string;
  stop(): Promise<void>;
}

/**
 * The stack in a child process, as a real server is: the client's hashing must not stall the
 * gateway and the emulator, which an in-process stack would share a thread with.
 */
async function stackProcess(): Promise<StackProcess> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'stack-process.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CAIRN_QUIET: '1' },
  });
  let buffered = '';
  for await (const chunk of child.stdout) {
    buffered += chunk;
    if (buffered.includes('\n')) break;
  }
  const started = JSON.parse(buffered.slice(0, buffered.indexOf('\n')));
  return {
    ...started,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/**
 * Dataset transfers (issue 4): a push of 1 GiB in 1,000 files through the SDK's push (hashing,
 * declaring, presigned PUTs, confirming, committing) against raw parallel PUTs of the same files
 * to the same S3 emulator; a re-push of the same folder; a pull of the version with every SHA-256
 * verified. `CAIRN_BENCH_TRANSFER_MIB` shrinks the total for a quick look.
 */
export async function transfersBench() {
  const totalMiB = Number(process.env.CAIRN_BENCH_TRANSFER_MIB ?? 1024);
  const fileCount = Math.min(1000, totalMiB);
  const fileBytes = Math.floor((totalMiB * MiB) / fileCount);
  const totalBytes = fileBytes * fileCount;
  const concurrency = 8;
  const stack = await stackProcess();
  const work = mkdtempSync(join(tmpdir(), 'cairn-bench-transfers-'));
  try {
    const data = join(work, 'data');
    for (let i = 0; i < fileCount; i++) {
      const dir = join(data, `shard-${String(i % 10).padStart(2, '0')}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `file-${String(i).padStart(4, '0')}.bin`), randomBytes(fileBytes));
    }
    const files = Array.from({ length: fileCount }, (_, i) =>
      join(data, `shard-${String(i % 10).padStart(2, '0')}`, `file-${String(i).padStart(4, '0')}.bin`),
    );

    // Baseline: the same files PUT straight into the emulator, as many at once as the SDK sends.
    const s3 = new S3Client({
      endpoint: stack.env.AWS_ENDPOINT_URL_S3,
      region: stack.env.AWS_REGION,
      credentials: {
        accessKeyId: stack.env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY!,
      },
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const bucket = stack.env.CAIRN_BUCKET!;
    let next = 0;
    const rawStart = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < files.length) {
          const index = next++;
          await s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: `${stack.tenantId}/bench-raw/${index}`,
              Body: createReadStream(files[index]!),
              ContentLength: fileBytes,
            }),
          );
        }
      }),
    );
    const rawSeconds = (performance.now() - rawStart) / 1000;
    s3.destroy();

    const request = createTransport({ url: stack.url });
    const client: ApiClient = {
      request: (method, path, body) => request({ method, path, body, token: stack.apiKey, idempotent: true }),
    };
    // The API's cold start (imports, first credentials, first connections) is not the push's cost.
    const warm = join(work, 'warm');
    mkdirSync(warm);
    writeFileSync(join(warm, 'warm.txt'), 'warm');
    await pushDataset(client, warm, { name: 'warmup' });

    const pushStart = performance.now();
    const pushed = await pushDataset(client, data, { name: 'bench', concurrency });
    const pushSeconds = (performance.now() - pushStart) / 1000;

    const againStart = performance.now();
    const again = await pushDataset(client, data, { name: 'bench', concurrency });
    const againSeconds = (performance.now() - againStart) / 1000;

    const ref: DatasetRef = { name: 'bench', version: '1' };
    const pullStart = performance.now();
    const pulled = await pullDataset(client, ref, join(work, 'out'), { concurrency });
    const pullSeconds = (performance.now() - pullStart) / 1000;

    const rate = (seconds: number) => `${fmt(totalBytes / MiB / seconds, 1)} MiB/s`;
    return {
      name: `transfers: ${fmt(totalBytes / MiB)} MiB in ${fmt(fileCount)} files, ${concurrency} at a time`,
      lines: [
        `raw parallel PUTs to the emulator:  ${fmt(rawSeconds, 2)} s  (${rate(rawSeconds)})`,
        `push (hash, declare, PUT, confirm, commit): ${fmt(pushSeconds, 2)} s  (${rate(pushSeconds)}), ${fmt(pushed.upload.uploadedBlobs)} blobs sent`,
        `ratio: ${fmt(rawSeconds / pushSeconds, 2)} of raw throughput (target ≥ 0.8; locally the emulator shares one event loop with the API's handlers)`,
        `re-push of the same folder: ${fmt(again.upload.uploadedBytes)} bytes uploaded (target 0), ${fmt(againSeconds, 2)} s, new version: ${again.created}`,
        `pull with SHA-256 verification: ${fmt(pullSeconds, 2)} s  (${rate(pullSeconds)}), ${fmt(pulled.downloaded)} files`,
      ],
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
    await stack.stop();
  }
}
