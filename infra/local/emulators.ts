import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { HostMessage, HostOptions } from './emulator-host.ts';

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
  /** The host process's id (the emulator runs in it, or below it). */
  pid: number;
  stop(): Promise<void>;
}

const hostScript = resolve(import.meta.dirname, 'emulator-host.ts');

interface Host {
  child: ChildProcess;
  /** Resolves when the host has started its emulator; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<void>;
  output: () => string;
}

/**
 * Forks a host for one emulator. The host watches its IPC channel and takes its emulator down
 * when this process goes away, however it goes.
 */
function forkHost(options: HostOptions, log: (line: string) => void): Host {
  const child = fork(hostScript, [], {
    env: { ...process.env, CAIRN_EMULATOR: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: [],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const ready = new Promise<void>((resolveReady, reject) => {
    child.on('message', (message: HostMessage) => {
      if ('ready' in message) resolveReady();
      else {
        output = `${output}${message.log}\n`.slice(-4000);
        log(message.log);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output.trim()}`)));
  });
  // The host is not what keeps this process alive: a stopping stack must not wait on it.
  child.unref();
  child.channel?.unref();
  return { child, ready, exited, output: () => output };
}

async function stopHost(host: Host): Promise<void> {
  if (host.child.exitCode !== null || host.child.signalCode !== null) return;
  host.child.kill('SIGTERM');
  const timer = setTimeout(() => host.child.kill('SIGKILL'), 10_000);
  await host.exited;
  clearTimeout(timer);
}

/**
 * AWS's DynamoDB Local on loopback, its Java kept by a host process. `dir` persists a single
 * shared database there; without it the data lives in memory (tests). Telemetry is off.
 */
export async function startDynamo(
  options: { dir?: string; port?: number; log?: (line: string) => void } = {},
): Promise<Emulator> {
  const port = options.port ?? (await freePort());
  const host = forkHost({ kind: 'dynamo', port, dir: options.dir }, options.log ?? (() => {}));
  let exited = false;
  host.exited.then(() => {
    exited = true;
  });
  host.ready.catch(() => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: emulatorRegion, credentials: emulatorCredentials });
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (exited) throw new Error(`DynamoDB Local exited during start: ${host.output().trim()}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) {
          await stopHost(host);
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s`);
        }
        await sleep(150);
      }
    }
  } finally {
    client.destroy();
  }
  return { endpoint, pid: host.child.pid!, stop: () => stopHost(host) };
}

/**
 * An S3-compatible emulator (s3rver) storing under `dir`, in a host process of its own. If the
 * host ever ends while the stack runs, a new one takes over the same port and folder.
 */
export async function startS3(options: {
  dir: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<Emulator> {
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const log = options.log ?? (() => {});
  let stopping = false;
  let host = forkHost({ kind: 's3', port, dir: options.dir }, log);
  const watch = (current: Host) => {
    current.exited.then(() => {
      if (stopping || current !== host) return;
      log(`S3 emulator exited (${current.output().trim().split('\n').pop() ?? ''}); restarting it`);
      host = forkHost({ kind: 's3', port, dir: options.dir }, log);
      host.ready.catch((error: Error) => log(`S3 emulator did not restart: ${error.message}`));
      watch(host);
    });
  };
  await host.ready.catch((error: Error) => {
    throw new Error(`The S3 emulator did not start: ${error.message}`);
  });
  watch(host);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get pid() {
      return host.child.pid!;
    },
    async stop() {
      stopping = true;
      await stopHost(host);
    },
  };
}
