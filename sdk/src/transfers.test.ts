import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { newTenant } from '../../test/support/tenants.ts';
import {
  downloadArtifacts,
  listArtifacts,
  logArtifact,
  logArtifacts,
  runInputs,
  useDataset,
} from './artifacts.ts';
import {
  dataDiff,
  dataLog,
  dataPull,
  dataPush,
  parseDatasetRef,
  pullDataset,
  pushDataset,
} from './data-commands.ts';
import { CairnError } from './errors.ts';
import { Progress } from './progress.ts';
import { type ApiClient, targetPath } from './transfers.ts';
import { createTransport } from './transport.ts';

const MiB = 1024 * 1024;
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folder(files: Record<string, string | Uint8Array> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'cairn-sdk-data-'));
  folders.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** Every file below a folder with its bytes' digest: what "identical" means here. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(root.length + 1)] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

/** The client-ish object the CLI hands the commands: the SDK's own transport, with a key. */
async function connect(): Promise<{ client: ApiClient; runId: () => Promise<string> }> {
  const tenant = await newTenant('sdk-data');
  const request = createTransport({ url: inject('cairn').url, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
  const client: ApiClient = {
    request: (method, path, body) =>
      request({ method, path, body, token: tenant.adminKey, idempotent: true }),
  };
  const runId = async () =>
    (await client.request<{ run: { id: string } }>('POST', '/runs', { experimentId: '0' })).run.id;
  return { client, runId };
}

describe('cairn data, against the real stack', () => {
  test('the DVC round trip: push, change one file, push (one blob sent), diff, pull each version byte for byte', async () => {
    const { client } = await connect();
    const data = folder({
      'iris.csv': 'sepal,petal\n5.1,1.4\n',
      'README.md': '# iris\n',
      'images/a.png': randomBytes(3000),
      'images/b.png': randomBytes(3000),
    });
    const printed: string[] = [];
    const output = { print: (text: string) => printed.push(text) };

    const first = await dataPush(client, { dir: data, name: 'iris', message: 'first cut' }, output);
    const v1 = snapshot(data);
    writeFileSync(join(data, 'iris.csv'), 'sepal,petal\n5.1,1.4\n4.9,1.4\n');
    const second = await dataPush(client, { dir: data, name: 'iris', message: 'more rows' }, output);
    const diff = await dataDiff(client, { from: 'iris@1', to: 'iris@2' }, output);
    const out1 = folder();
    const out2 = folder();
    await dataPull(client, { ref: 'iris@1', dest: out1 }, output);
    await dataPull(client, { ref: 'iris', dest: out2 }, output);
    const log = await dataLog(client, { name: 'iris' }, output);

    expect(first).toMatchObject({
      created: true,
      version: { version: 1, fileCount: 4 },
      upload: { uploadedBlobs: 4 },
    });
    expect(second).toMatchObject({
      created: true,
      version: { version: 2 },
      upload: { uploadedBlobs: 1, presentBlobs: 3 },
    });
    expect(diff.changed.map((c) => c.path)).toEqual(['iris.csv']);
    expect([diff.added, diff.removed, diff.unchanged]).toEqual([[], [], 3]);
    expect(snapshot(out1)).toEqual(v1);
    expect(snapshot(out2)).toEqual(snapshot(data));
    expect(log.map((v) => v.version)).toEqual([2, 1]);
    expect(printed.join('\n')).toContain('M iris.csv');
  });

  test('pushing the same folder again sends nothing and makes no version', async () => {
    const { client } = await connect();
    const data = folder({ 'a.txt': 'a', 'b.txt': 'b' });
    await pushDataset(client, data, { name: 'same' });

    const again = await pushDataset(client, data, { name: 'same' });

    expect(again).toMatchObject({
      created: false,
      version: { version: 1 },
      upload: { uploadedBlobs: 0, uploadedBytes: 0 },
    });
  });

  test('a push interrupted half-way resumes: the second push sends only what is still missing', async () => {
    const { client } = await connect();
    const data = folder(
      Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`part-${i}.bin`, randomBytes(1000)])),
    );
    let puts = 0;
    const breaking: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT' && ++puts > 3) throw new TypeError('fetch failed: connection reset');
      return fetch(input, init);
    };

    const interrupted = pushDataset(client, data, {
      name: 'resume',
      fetch: breaking,
      concurrency: 1,
      attempts: 1,
    });
    await expect(interrupted).rejects.toMatchObject({ code: 'client.transfer_failed' });
    const resumed = await pushDataset(client, data, { name: 'resume' });

    expect(resumed.upload).toMatchObject({ uploadedBlobs: 3, presentBlobs: 3 });
    expect(resumed.version.version).toBe(1);
  });

  test('an expired upload URL is signed again and the upload goes through', async () => {
    const { client } = await connect();
    const data = folder({ 'a.txt': 'late' });
    let refused = false;
    const expiring: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT' && !refused) {
        refused = true;
        return new Response(
          '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
          {
            status: 403,
          },
        );
      }
      return fetch(input, init);
    };

    const pushed = await pushDataset(client, data, { name: 'expiry', fetch: expiring });

    expect(refused).toBe(true);
    expect(pushed.upload.uploadedBlobs).toBe(1);
  });

  test('a pull keeps good files, replaces stale and corrupted ones, and leaves no partial files', async () => {
    const { client } = await connect();
    const data = folder({ 'good.txt': 'good', 'stale.txt': 'new content', 'corrupt.bin': randomBytes(2000) });
    await pushDataset(client, data, { name: 'repair' });
    const out = folder({ 'good.txt': 'good', 'stale.txt': 'old content', 'corrupt.bin': randomBytes(2000) });

    const pulled = await pullDataset(client, parseDatasetRef('repair'), out);

    expect(pulled).toMatchObject({ downloaded: 2, skipped: 1 });
    expect(snapshot(out)).toEqual(snapshot(data));
  });

  test('bytes that do not match their SHA-256 are refused and never land under the final name', async () => {
    const { client } = await connect();
    const data = folder({ 'x.bin': randomBytes(5000) });
    await pushDataset(client, data, { name: 'tamper' });
    const out = folder();
    const tampering: typeof fetch = async (input, init) => {
      const answer = await fetch(input, init);
      const bytes = new Uint8Array(await answer.arrayBuffer());
      bytes[0]! ^= 0xff;
      return new Response(bytes, { status: answer.status });
    };

    const pulled = pullDataset(client, parseDatasetRef('tamper@1'), out, { fetch: tampering });

    await expect(pulled).rejects.toMatchObject({ code: 'client.checksum_mismatch' });
    expect(readdirSync(out)).toEqual([]);
  });

  test('a large file goes in parts and comes back byte for byte', async () => {
    const { client } = await connect();
    const data = folder({ 'weights.bin': randomBytes(2 * 8 * MiB + 4321) });

    const pushed = await pushDataset(client, data, { name: 'big', multipartThreshold: 8 * MiB });
    const out = folder();
    await pullDataset(client, parseDatasetRef('big'), out);

    expect(pushed.upload.uploadedBlobs).toBe(1);
    expect(snapshot(out)).toEqual(snapshot(data));
  });

  test('parts go with their signed SHA-256, and the push waits for the server to verify the blob', async () => {
    const { client } = await connect();
    const data = folder({ 'weights.bin': randomBytes(8 * MiB + 99) });
    const partHeaders: (string | null)[] = [];
    const watching: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT' && String(input).includes('partNumber='))
        partHeaders.push(new Headers(init.headers).get('x-amz-checksum-sha256'));
      return fetch(input, init);
    };
    const printed: string[] = [];

    const pushed = await pushDataset(client, data, {
      name: 'verified',
      multipartThreshold: 8 * MiB,
      fetch: watching,
      progress: { write: (text) => printed.push(text) },
    });

    expect(pushed.upload.uploadedBlobs).toBe(1);
    expect(partHeaders).toHaveLength(2);
    expect(partHeaders.every((header) => /^[A-Za-z0-9+/]{43}=$/.test(header ?? ''))).toBe(true);
    expect(printed.join('')).toMatch(/verifying 1\/1 files/);
  });

  test('bytes corrupted on their way to a store that checks no part checksum are refused by verification; a clean push then succeeds', async () => {
    const { client } = await connect();
    const data = folder({ 'weights.bin': randomBytes(8 * MiB + 5) });
    // The emulator takes a part whatever its checksum header says (S3 would refuse it): the
    // server's hash of the whole blob is what catches it.
    const corrupting: typeof fetch = async (input, init) => {
      if (
        init?.method === 'PUT' &&
        String(input).includes('partNumber=1&') &&
        init.body instanceof Uint8Array
      ) {
        const flipped = Uint8Array.from(init.body);
        flipped[0] = flipped[0]! ^ 0xff;
        return fetch(input, { ...init, body: flipped });
      }
      return fetch(input, init);
    };

    const refused = pushDataset(client, data, {
      name: 'corrupt',
      multipartThreshold: 8 * MiB,
      fetch: corrupting,
    });

    await expect(refused).rejects.toMatchObject({ code: 'blobs.checksum_mismatch' });
    const clean = await pushDataset(client, data, { name: 'corrupt', multipartThreshold: 8 * MiB });
    expect(clean).toMatchObject({ created: true, upload: { uploadedBlobs: 1 } });
  });
});

describe('run artifacts and lineage, against the real stack', () => {
  test('log a file and a folder, list the tree, download it back, and record the training dataset', async () => {
    const { client, runId } = await connect();
    const run = await runId();
    const model = folder({ 'model.pkl': 'pickled model' });
    const plots = folder({ 'loss.png': randomBytes(500), 'sub/acc.png': randomBytes(700) });
    await pushDataset(client, folder({ 'train.csv': '1,2\n' }), { name: 'iris' });

    await logArtifact(client, run, join(model, 'model.pkl'), { artifactPath: 'model' });
    await logArtifacts(client, run, plots, { artifactPath: 'plots' });
    const input = await useDataset(client, run, 'iris', { version: 1, context: 'training' });
    const root = await listArtifacts(client, run);
    const out = folder();
    await downloadArtifacts(client, run, 'plots', out);

    expect(root.entries).toEqual([
      { type: 'folder', path: 'model', size: 13, fileCount: 1 },
      { type: 'folder', path: 'plots', size: 1200, fileCount: 2 },
    ]);
    expect(snapshot(join(out, 'plots'))).toEqual(snapshot(plots));
    expect(input).toMatchObject({ dataset: 'iris', version: 1, context: 'training' });
    expect(await runInputs(client, run)).toEqual([input]);
  });
});

describe('transfers (offline)', () => {
  test('references: name, name@number, name@tag', () => {
    expect(parseDatasetRef('iris')).toEqual({ name: 'iris', version: 'latest' });
    expect(parseDatasetRef('iris@2')).toEqual({ name: 'iris', version: '2' });
    expect(parseDatasetRef('iris@golden')).toEqual({ name: 'iris', version: 'golden' });
    expect(() => parseDatasetRef('iris@')).toThrow(CairnError);
  });

  test('a pull never writes outside its folder, whatever the server says', () => {
    expect(targetPath('/tmp/out', 'a/b.txt')).toBe('/tmp/out/a/b.txt');
    for (const path of ['../x', 'a/../../x', '/etc/passwd', 'a\\b']) {
      expect(() => targetPath('/tmp/out', path), path).toThrow(CairnError);
    }
  });

  test('progress: a redrawn bar on a terminal, plain lines every few seconds elsewhere', () => {
    let now = 0;
    const tty: string[] = [];
    const plain: string[] = [];
    const bar = new Progress({
      label: 'uploading',
      totalFiles: 2,
      totalBytes: 2 * MiB,
      sink: { write: (t) => tty.push(t), isTTY: true, columns: 100 },
      now: () => now,
    });
    const lines = new Progress({
      label: 'uploading',
      totalFiles: 2,
      totalBytes: 2 * MiB,
      sink: { write: (t) => plain.push(t) },
      now: () => now,
    });

    for (const progress of [bar, lines]) {
      now = 1000;
      progress.addBytes(MiB);
      progress.fileDone();
      now = 6000;
      progress.addBytes(MiB);
      progress.fileDone();
      progress.finish();
    }

    expect(tty.every((t) => t.startsWith('\r['))).toBe(true);
    // Each redraw erases to the end of the line (ESC [K): a shorter bar leaves no leftovers.
    expect(tty.at(-1)).toMatch(/^\r\[#+\] 100% uploading 2\/2 files, 2\.00 MiB\/2\.00 MiB, 341 KiB\/s/);
    expect(tty.every((t) => t.endsWith('\u001b[K') || t.endsWith('\u001b[K\n'))).toBe(true);
    expect(plain.every((t) => !t.includes('\r') && t.endsWith('\n'))).toBe(true);
    expect(plain.at(-1)).toBe('uploading 2/2 files, 2.00 MiB/2.00 MiB, 341 KiB/s\n');
  });

  test('a missing folder is a clear error, before any request', async () => {
    const client: ApiClient = {
      request: () => Promise.reject(new Error('no request expected')),
    };
    await expect(
      pushDataset(client, join(tmpdir(), 'cairn-does-not-exist'), { name: 'x' }),
    ).rejects.toMatchObject({
      code: 'client.invalid_argument',
    });
  });
});
