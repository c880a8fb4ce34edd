import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, inject, test, vi } from 'vitest';
import { newTenant } from '../../test/support/tenants.ts';
import { Cairn, type Run } from './index.ts';
import { runCli } from './test-support/cli-process.ts';

/*
 * The README's data, artifacts and registry stories, end to end against the real local stack
 * (gateway, DynamoDB Local, the S3 emulator), through what a user touches: the public SDK surface
 * (`./index.ts`) with settings from the environment, and the `cairn` command. The snippets run with
 * the working folder set to a scratch folder, so their relative paths are the README's own.
 */

const url = () => inject('cairn').url;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const home = process.cwd();
const folders: string[] = [];
afterEach(() => {
  process.chdir(home);
  vi.unstubAllEnvs();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A scratch folder holding `files`, made the working folder, as a user's project would be. */
function project(files: Record<string, string | Uint8Array> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'cairn-readme-'));
  folders.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  process.chdir(root);
  return root;
}

/** Every file below a folder with its bytes' digest: what "identical" means here. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[
      path
        .slice(root.length + 1)
        .split('\\')
        .join('/')
    ] = sha256(readFileSync(path));
  }
  return out;
}

/** A manifest's identity as the server computes it: `<sha256> <size> <path>\n` per file, by path bytes. */
function manifestDigest(root: string): string {
  const lines = Object.entries(snapshot(root))
    .map(([path, digest]) => ({ path, line: `${digest} ${readFileSync(join(root, path)).length} ${path}\n` }))
    .sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return sha256(Buffer.from(lines.map((entry) => entry.line).join('')));
}

/** A tenant of its own, its settings in the environment as a user's shell would hold them. */
async function settings(): Promise<Record<string, string>> {
  const tenant = await newTenant('readme');
  const env = { CAIRN_URL: url(), CAIRN_API_KEY: tenant.adminKey };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return env;
}

const irisFiles = () => ({
  'data/iris.csv': 'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n',
  'data/README.md': '# iris\n',
  'data/images/a.png': randomBytes(4000),
  'data/images/b.png': randomBytes(4000),
  'model/MLmodel': 'flavors:\n  sklearn: {}\n',
  'model/model.pkl': randomBytes(2000),
  'confusion.png': randomBytes(1000),
});

/** The README's tracking snippet with artifacts and lineage: the run the registry story registers from. */
async function trainIris(cairn: Cairn): Promise<Run> {
  await cairn.datasets.push('./data', { name: 'iris', message: 'first cut' });
  appendFileSync('data/iris.csv', '6.3,2.9,5.6,1.8,virginica\n');
  await cairn.datasets.push('./data', { name: 'iris', message: 'one more row' });

  const run = await cairn.startRun({ experiment: 'iris', params: { max_depth: 8 } });
  await run.useDataset('iris', { version: 2, context: 'training' });
  run.log({ accuracy: 0.96 }, { step: 1 });
  await run.logArtifacts('./model', { artifactPath: 'model' });
  await run.logArtifact('./confusion.png', { artifactPath: 'plots' });
  await run.end();
  return run;
}

describe('the README stories through the SDK', () => {
  test('DVC-style round trip: push, change one file, push (one blob sent), diff, pull each version byte for byte', async () => {
    await settings();
    const root = project(irisFiles());
    const cairn = new Cairn();

    const first = await cairn.datasets.push('./data', { name: 'iris', message: 'first cut' });
    const v1 = snapshot(join(root, 'data'));
    appendFileSync('data/iris.csv', '6.3,2.9,5.6,1.8,virginica\n');
    const second = await cairn.datasets.push('./data', { name: 'iris', message: 'one more row' });
    const again = await cairn.datasets.push('./data', { name: 'iris', message: 'nothing new' });
    const diff = await cairn.datasets.diff('iris@1', 'iris@2');
    await cairn.datasets.pull('iris@1', './iris-v1');
    await cairn.datasets.pull('iris@2', './iris-v2');
    await cairn.datasets.tag('iris@2', 'golden');
    const repull = await cairn.datasets.pull('iris@golden', './iris-v2');
    const log = await cairn.datasets.log('iris');

    expect(first).toMatchObject({
      created: true,
      version: { dataset: 'iris', version: 1, fileCount: 4, message: 'first cut' },
      upload: { uploadedBlobs: 4, presentBlobs: 0 },
    });
    expect(second).toMatchObject({
      created: true,
      version: { version: 2 },
      upload: { uploadedBlobs: 1, presentBlobs: 3 },
    });
    expect(again).toMatchObject({ created: false, version: { version: 2 }, upload: { uploadedBlobs: 0 } });
    expect(diff.changed.map((change) => change.path)).toEqual(['iris.csv']);
    expect([diff.added, diff.removed, diff.unchanged]).toEqual([[], [], 3]);
    expect(snapshot(join(root, 'iris-v1'))).toEqual(v1);
    expect(snapshot(join(root, 'iris-v2'))).toEqual(snapshot(join(root, 'data')));
    expect(manifestDigest(join(root, 'iris-v2'))).toBe(second.version.digest);
    expect(repull).toMatchObject({ version: { version: 2 }, downloaded: 0, skipped: 4 });
    expect(log.map((version) => [version.version, version.tags])).toEqual([
      [2, ['golden']],
      [1, []],
    ]);
  });

  test('a run logs artifacts and its training dataset; lineage answers both ways', async () => {
    await settings();
    const root = project(irisFiles());
    const cairn = new Cairn();

    const run = await trainIris(cairn);
    const { entries } = await cairn.listArtifacts(run.id);
    const model = await cairn.listArtifacts(run.id, { path: 'model' });
    await cairn.downloadArtifacts(run.id, 'model', './restored');
    const inputs = await cairn.runInputs(run.id);
    const runs = await cairn.datasets.runs('iris@2');

    expect(entries).toEqual([
      expect.objectContaining({ type: 'folder', path: 'model', fileCount: 2 }),
      expect.objectContaining({ type: 'folder', path: 'plots', fileCount: 1 }),
    ]);
    expect(model.entries.map((entry) => entry.path)).toEqual(['model/MLmodel', 'model/model.pkl']);
    expect(snapshot(join(root, 'restored'))).toEqual(
      Object.fromEntries(Object.entries(snapshot(root)).filter(([path]) => path.startsWith('model/'))),
    );
    expect(inputs).toEqual([expect.objectContaining({ dataset: 'iris', version: 2, context: 'training' })]);
    expect(runs).toEqual([expect.objectContaining({ runId: run.id, context: 'training' })]);
    expect(await cairn.datasets.runs('iris@1')).toEqual([]);
  });

  test('the registry: register from the run, promote to production, resolve and download by alias, verified, and audited', async () => {
    await settings();
    const root = project(irisFiles());
    const cairn = new Cairn();
    const run = await trainIris(cairn);

    const version = await cairn.models.register({ name: 'iris-rf', runId: run.id, artifactPath: 'model' });
    await cairn.models.promote('iris-rf', version.version, { alias: 'production' });
    const resolved = await cairn.models.resolve('iris-rf@production');
    const downloaded = await cairn.models.download('iris-rf@production', './serving');
    const lineage = await cairn.models.lineage('iris-rf', version.version);
    const events = await cairn.audit({ since: '7d', resource: 'models/iris-rf' });

    expect(version).toMatchObject({ name: 'iris-rf', version: 1, runId: run.id, fileCount: 2 });
    expect(resolved).toMatchObject({
      model: 'iris-rf',
      version: { version: 1, aliases: ['production'], digest: version.digest },
      run: { id: run.id },
    });
    expect(downloaded).toMatchObject({ downloaded: 2, skipped: 0 });
    // What a deploy step checks: each file's digest, and the version's digest over all of them.
    const served = snapshot(join(root, 'serving'));
    expect(served).toEqual(Object.fromEntries(resolved.files.map((file) => [file.path, file.sha256])));
    expect(served['model.pkl']).toBe(sha256(readFileSync(join(root, 'model', 'model.pkl'))));
    expect(manifestDigest(join(root, 'serving'))).toBe(resolved.version.digest);
    expect(lineage).toMatchObject({
      run: { id: run.id, params: { max_depth: '8' }, metrics: { accuracy: { value: 0.96 } } },
      datasets: [{ dataset: 'iris', version: 2, context: 'training' }],
    });
    expect(await cairn.models.trainedOn('iris', 2)).toEqual([
      expect.objectContaining({ name: 'iris-rf', version: 1 }),
    ]);
    expect(events.map((event) => event.type)).toEqual([
      'model.alias.set',
      'model.version.created',
      'model.created',
    ]);
    expect(events[0]).toMatchObject({
      resource: 'models/iris-rf',
      actor: { role: 'admin' },
      after: { alias: 'production', version: 1 },
    });
  });
});

describe('the README stories through the cairn command', () => {
  test('data push, change one file, push (one blob), diff, pull each version, tag and log', async () => {
    const env = await settings();
    const root = project(irisFiles());
    const cairn = (...args: string[]) => runCli(args, env, root);

    // The README's commands, as written.
    const first = await cairn('data', 'push', './data', '--name', 'iris', '-m', 'first cut');
    appendFileSync('data/iris.csv', '6.3,2.9,5.6,1.8,virginica\n'); // echo "…" >> data/iris.csv
    const second = await cairn('data', 'push', './data', '--name', 'iris', '-m', 'one more row');
    const diff = await cairn('data', 'diff', 'iris@1', 'iris@2');
    const pulled = await cairn('data', 'pull', 'iris@1', './iris-v1');
    const tagged = await cairn('data', 'tag', 'iris@2', 'golden');
    const log = await cairn('data', 'log', 'iris');
    // And for scripts.
    const again = await cairn('data', 'push', './data', '--name', 'iris', '--json');
    const latest = await cairn('data', 'pull', 'iris');
    const logJson = await cairn('data', 'log', 'iris', '--json');

    for (const result of [first, second, diff, pulled, tagged, log, again, latest, logJson])
      expect(result.code, result.stderr).toBe(0);
    expect(first.stdout).toMatch(/^iris@1 {2}4 files/);
    expect(first.stdout).toContain('uploaded 4 blob(s)');
    // Not a terminal: progress is plain lines on stderr, stdout keeps the result alone.
    expect(first.stderr).toMatch(/^uploading 4\/4 files, .*\/s$/m);
    expect(first.stderr).not.toContain('\r');
    expect(second.stdout).toMatch(/^iris@2 .*uploaded 1 blob\(s\), \d+ B; 3 already stored/);
    expect(JSON.parse(again.stdout)).toMatchObject({
      created: false,
      version: { dataset: 'iris', version: 2, message: 'one more row' },
      upload: { uploadedBlobs: 0, presentBlobs: 4 },
    });
    expect(diff.stdout).toContain('M iris.csv');
    expect(diff.stdout).toContain('0 added, 0 removed, 1 changed, 3 unchanged');
    expect(pulled.stdout).toContain('iris@1 in ./iris-v1: downloaded 4 file(s)');
    expect(readFileSync(join(root, 'iris-v1', 'iris.csv'), 'utf8')).not.toContain('virginica');
    expect(snapshot(join(root, 'iris'))).toEqual(snapshot(join(root, 'data')));
    expect(tagged.stdout).toContain('iris@golden → version 2');
    expect(log.stdout).toMatch(/^iris@2 {2}\(golden\) .*\n {4}one more row\niris@1 /);
    expect(JSON.parse(logJson.stdout).map((version: { version: number }) => version.version)).toEqual([2, 1]);
  });

  test('artifacts list and download; models register, promote, resolve, download by alias and lineage; audit', async () => {
    const env = await settings();
    const root = project(irisFiles());
    const run = await trainIris(new Cairn());
    const cairn = (...args: string[]) => runCli(args, env, root);

    const listed = await cairn('artifacts', 'list', run.id, '--recursive');
    const restored = await cairn('artifacts', 'download', run.id, 'model', './restored');
    const registered = await cairn('models', 'register', `${run.id}:model`, '--name', 'iris-rf');
    const promoted = await cairn('models', 'promote', 'iris-rf', '1', '--alias', 'production');
    const resolved = await cairn('models', 'resolve', 'iris-rf@production');
    const resolvedJson = await cairn('models', 'resolve', 'iris-rf@production', '--json');
    const downloaded = await cairn('models', 'download', 'iris-rf@production', './serving');
    const lineage = await cairn('models', 'lineage', 'iris-rf', '1');
    const audit = await cairn('audit', '--since', '7d', '--resource', 'models/iris-rf');
    const auditJson = await cairn('audit', '--since', '7d', '--resource', 'models/iris-rf', '--json');

    const results = [listed, restored, registered, promoted, resolved, resolvedJson, downloaded, lineage];
    for (const result of [...results, audit, auditJson]) expect(result.code, result.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^model\/MLmodel .*\nmodel\/model\.pkl .*\nplots\/confusion\.png /m);
    expect(listed.stdout).toContain(`${run.id}: 3 files`);
    expect(snapshot(join(root, 'restored'))).toEqual(
      Object.fromEntries(Object.entries(snapshot(root)).filter(([path]) => path.startsWith('model/'))),
    );
    expect(registered.stdout).toContain(`Registered iris-rf version 1 from run ${run.id}:model`);
    expect(promoted.stdout).toContain('iris-rf@production → version 1');
    expect(resolved.stdout).toMatch(/Version\s+1 \(iris-rf@production\)/);
    expect(resolved.stdout).toContain(sha256(readFileSync(join(root, 'model', 'model.pkl'))));
    const answer = JSON.parse(resolvedJson.stdout);
    expect(answer).toMatchObject({ model: 'iris-rf', version: { version: 1 }, run: { id: run.id } });
    expect(downloaded.stdout).toContain('every file matched its SHA-256');
    expect(snapshot(join(root, 'serving'))).toEqual(
      Object.fromEntries(
        answer.files.map((file: { path: string; sha256: string }) => [file.path, file.sha256]),
      ),
    );
    expect(lineage.stdout).toMatch(/iris@2\s+training/);
    expect(lineage.stdout).toContain('max_depth = 8');
    expect(audit.stdout).toMatch(/model\.alias\.set\s+models\/iris-rf\s+production: - → 1/);
    expect(JSON.parse(auditJson.stdout).map((event: { type: string }) => event.type)).toEqual([
      'model.alias.set',
      'model.version.created',
      'model.created',
    ]);
  });

  test('mistakes: a missing --name is a usage error (2), an unknown version a server error (1)', async () => {
    const env = await settings();
    const root = project(irisFiles());
    const cairn = (...args: string[]) => runCli(args, env, root);

    const noName = await cairn('data', 'push', './data');
    const missing = await cairn('data', 'pull', 'iris@7', './out');
    const badRef = await cairn('models', 'promote', 'iris-rf', 'one', '--alias', 'production');

    expect([noName.code, noName.stderr]).toEqual([2, expect.stringContaining('--name')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error datasets\.not_found: /);
    expect(badRef.code).toBe(2);
  });
});
