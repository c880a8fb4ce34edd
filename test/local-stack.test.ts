// `npm start` itself, as a user runs it: a process of its own on a free port with a fresh data
// folder. These tests own that process (and kill it), so they never touch the suite's shared stack.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { repoRoot } from '../infra/paths.ts';

interface Started {
  child: ChildProcess;
  url: string;
  apiKey: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startCairn(dataDir: string): Promise<Started> {
  const child = spawn(process.execPath, ['infra/local/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0', CAIRN_DATA_DIR: dataDir, CAIRN_QUIET: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const url = /Cairn is running at (http:\/\/\S+)/.exec(output)?.[1];
    if (url) {
      const { apiKey } = JSON.parse(readFileSync(join(dataDir, 'local.json'), 'utf8'));
      return { child, url, apiKey, output: () => output, exited };
    }
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`npm start did not become ready:\n${output}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Every process below `pid`, read from /proc: the emulators the stack started. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const child of parents.get(parent) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie has ended; only its exit status is left for its parent to read.
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

describe('npm start', () => {
  let dataDir: string;
  let cairn: Started;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cairn-start-'));
    cairn = await startCairn(dataDir);
  }, 120_000);

  afterAll(async () => {
    if (cairn?.child.exitCode === null) {
      cairn.child.kill('SIGTERM');
      await cairn.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${cairn.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${cairn.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };

  test('completing a multipart upload whose parts were never uploaded is a 400, and the stack still answers', async () => {
    const size = 10 * 1024 * 1024;
    const sha256 = createHash('sha256').update(`never uploaded ${Date.now()}`).digest('hex');
    const plan = await call('POST', '/api/v1/uploads', {
      blobs: [{ sha256, size }],
      multipartThreshold: 8 * 1024 * 1024,
    });
    expect(plan.status).toBe(200);
    const { uploadId, partCount } = plan.body.blobs[0];
    expect(partCount).toBe(2);

    // Every part named, none ever sent.
    const completed = await call('POST', '/api/v1/uploads/complete', {
      multipart: [
        {
          uploadId,
          parts: [1, 2].map((partNumber) => ({
            partNumber,
            etag: `"${'0'.repeat(32)}"`,
            sha256: 'a'.repeat(64),
          })),
        },
      ],
    });

    expect(completed.status).toBe(400);
    expect(completed.body.error.code).toBe('blobs.invalid_parts');
    expect(cairn.child.exitCode).toBeNull();
    expect((await call('GET', '/api/v1/tenant')).status).toBe(200);
    const again = await call('POST', '/api/v1/uploads', { blobs: [{ sha256, size }] });
    expect(again.body.blobs[0].status).not.toBe('present');
  }, 60_000);

  test('kill -9 of npm start leaves no DynamoDB Local (Java) or S3 emulator behind', async () => {
    const pid = cairn.child.pid!;
    const emulators = descendants(pid);
    // At least DynamoDB Local's Java and the S3 emulator run beside the gateway.
    expect(emulators.some((child) => /java/.test(commandOf(child)))).toBe(true);

    cairn.child.kill('SIGKILL');
    await cairn.exited;

    const deadline = Date.now() + 15_000;
    while (emulators.some(alive) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 200));
    const survivors = emulators.filter(alive).map((child) => `${child} ${commandOf(child)}`);
    expect(survivors).toEqual([]);
  }, 60_000);
});
