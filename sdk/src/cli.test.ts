import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import { newTenant, operatorKey } from '../../test/support/tenants.ts';
import { Cairn } from './client.ts';
import { runCli } from './test-support/cli-process.ts';
import { startTrackingStub, type TrackingStub } from './test-support/tracking-stub.ts';

let workdir: string;
beforeAll(() => {
  // Outside the repository, so that no .cairn/local.json is found by accident.
  workdir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
});
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

/** `node sdk/bin/cairn.js …` in the scratch folder unless told otherwise. */
const cairn = (args: string[], env: Record<string, string> = {}, cwd = workdir) => runCli(args, env, cwd);

const url = () => inject('cairn').url;

describe('cairn admin and keys, against the real gateway', () => {
  test('admin tenants create prints the new admin key, which works', async () => {
    const id = `cli-${Date.now().toString(36)}`;

    const result = await cairn(['admin', 'tenants', 'create', id, '--name', 'CLI tenant'], {
      CAIRN_URL: url(),
      CAIRN_OPERATOR_KEY: operatorKey(),
    });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Created tenant ${id} (CLI tenant).`);
    const secret = result.stdout.trim().split('\n').at(-1)!;
    expect(secret).toMatch(/^cairn_/);
    expect((await new Cairn({ url: url(), apiKey: secret }).tenant()).tenant.id).toBe(id);
  });

  test('admin tenants create --json prints the whole answer, apiKey included', async () => {
    const id = `cli-json-${Date.now().toString(36)}`;

    const result = await cairn(['--json', 'admin', 'tenants', 'create', id], {
      CAIRN_URL: url(),
      CAIRN_OPERATOR_KEY: operatorKey(),
    });

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      tenant: { id, name: id },
      apiKey: { role: 'admin', secret: expect.stringMatching(/^cairn_/) },
    });
  });

  test('keys create, list (an aligned table) and revoke', async () => {
    const tenant = await newTenant('cli');
    const env = { CAIRN_URL: url(), CAIRN_API_KEY: tenant.adminKey };

    const created = await cairn(['keys', 'create', 'training box', '--role', 'writer'], env);
    const listed = await cairn(['keys', 'list'], env);
    const keyId = JSON.parse((await cairn(['keys', 'list', '--json'], env)).stdout).find(
      (key: { name: string }) => key.name === 'training box',
    ).id;
    const revoked = await cairn(['keys', 'revoke', keyId], env);

    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Created writer key key_[0-9a-f]{16} "training box"/);
    expect(created.stdout.trim().split('\n').at(-1)).toMatch(/^cairn_/);
    const [header, ...rows] = listed.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+ROLE\s+PREFIX\s+CREATED\s+LAST USED\s+REVOKED$/);
    const row = rows.find((line) => line.includes('training box'))!;
    expect(row.indexOf('training box')).toBe(header!.indexOf('NAME'));
    expect(row.indexOf('writer')).toBe(header!.indexOf('ROLE'));
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked key ${keyId} "training box".`);
  });

  test("errors exit non-zero with the server's code and message", async () => {
    const tenant = await newTenant('cli');

    const result = await cairn(['keys', 'revoke', 'key_0123456789abcdef'], {
      CAIRN_URL: url(),
      CAIRN_API_KEY: tenant.adminKey,
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error keys\.not_found: .*key_0123456789abcdef.* does not exist/);
    expect(result.stdout).toBe('');
  });

  test('validation errors list the offending fields', async () => {
    const tenant = await newTenant('cli');

    const result = await cairn(['keys', 'create', ' '], { CAIRN_URL: url(), CAIRN_API_KEY: tenant.adminKey });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error request.invalid:');
    expect(result.stderr).toContain('body.name:');
  });

  test('.cairn/local.json is found from the working folder, as npm start writes it', async () => {
    const tenant = await newTenant('cli');
    const project = mkdtempSync(join(tmpdir(), 'cairn-cli-project-'));
    mkdirSync(join(project, '.cairn'));
    mkdirSync(join(project, 'src'));
    writeFileSync(
      join(project, '.cairn', 'local.json'),
      JSON.stringify({ url: url(), tenant: tenant.id, apiKey: tenant.adminKey }),
    );

    const result = await cairn(['whoami'], {}, join(project, 'src'));
    rmSync(project, { recursive: true, force: true });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`Tenant\\s+${tenant.id}`));
  });
});

describe('cairn experiments and runs, against the real gateway', () => {
  test('runs list, show and history print what the SDK logged', async () => {
    const tenant = await newTenant('cli');
    const env = { CAIRN_URL: url(), CAIRN_API_KEY: tenant.adminKey };
    const sdk = new Cairn({ url: url(), apiKey: tenant.adminKey });
    const run = await sdk.startRun({ experiment: 'iris', name: 'rf-100', params: { n_estimators: 100 } });
    for (let step = 0; step < 10; step++) run.log({ accuracy: step / 10 }, { step });
    await run.end();

    const list = await cairn(
      ['runs', 'list', '--experiment', 'iris', '--order-by', 'metrics.accuracy DESC'],
      env,
    );
    const show = await cairn(['runs', 'show', run.id], env);
    const history = await cairn(['runs', 'history', run.id, 'accuracy', '--json'], env);
    const experiments = await cairn(['experiments', 'list'], env);

    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${run.id}\\s+rf-100\\s+FINISHED.*\\s0\\.9$`, 'm'));
    expect(show.stdout).toMatch(/Params\nKEY\s+VALUE\nn_estimators\s+100/);
    expect(JSON.parse(history.stdout).points).toHaveLength(10);
    expect(experiments.stdout).toMatch(/\biris\s+active/);
  });
});

describe('cairn usage', () => {
  test('--help lists every command', async () => {
    const result = await cairn(['--help']);

    expect(result.code).toBe(0);
    for (const command of [
      'admin tenants create <id>',
      'keys create <name>',
      'runs list',
      'runs history <runId> <key>',
    ]) {
      expect(result.stdout).toContain(`cairn ${command}`);
    }
  });

  test("a command's --help shows its options", async () => {
    const result = await cairn(['keys', 'create', '--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: cairn keys create <name> [options]');
    expect(result.stdout).toContain('--role <role>');
  });

  test('mistakes in the command line exit 2 and point at --help', async () => {
    const missing = await cairn(['keys', 'create']);
    const badRole = await cairn(['keys', 'create', 'x', '--role', 'owner']);
    const unknown = await cairn(['keys', 'list', '--colour']);

    expect([missing.code, badRole.code, unknown.code]).toEqual([2, 2, 2]);
    expect(missing.stderr).toContain('missing <name>');
    expect(badRole.stderr).toContain('--role must be one of reader, writer, admin');
    expect(unknown.stderr).toContain('unknown option --colour');
  });

  test('with nothing configured it says what to set', async () => {
    const result = await cairn(['keys', 'list']);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error client\.not_configured: .*CAIRN_URL/);
  });
});

describe('cairn experiments and runs (against the tracking stub until the server routes land)', () => {
  let stub: TrackingStub;
  let env: Record<string, string>;
  let runId: string;
  beforeAll(async () => {
    stub = await startTrackingStub();
    env = { CAIRN_URL: stub.url, CAIRN_API_KEY: 'cairn_stub' };
    const sdk = new Cairn(env.CAIRN_URL ? { url: stub.url, apiKey: 'cairn_stub' } : {});
    for (const [name, depth] of [
      ['shallow', 2],
      ['deep', 8],
    ] as const) {
      const run = await sdk.startRun({
        experiment: 'iris',
        name,
        params: { max_depth: depth },
        tags: { team: 'vision' },
      });
      for (let step = 0; step < 20; step++)
        run.log({ accuracy: (depth * step) / 200, odd: Number.NaN }, { step });
      await run.end();
      runId = run.id;
    }
  });
  afterEach(() => undefined);
  afterAll(() => stub.close());

  test('experiments list', async () => {
    const result = await cairn(['experiments', 'list'], env);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ID\s+NAME\s+STAGE\s+CREATED\s+DESCRIPTION\n/);
    expect(result.stdout).toMatch(/\n\s*1\s+iris\s+active/);
  });

  test('runs list shows the metrics the filter and order mention, best first', async () => {
    const result = await cairn(
      [
        'runs',
        'list',
        '--experiment',
        'iris',
        '--filter',
        'metrics.accuracy > 0.1',
        '--order-by',
        'metrics.accuracy DESC',
      ],
      env,
    );

    expect(result.code, result.stderr).toBe(0);
    const [header, first, second] = result.stdout.trim().split('\n');
    expect(header).toMatch(/^RUN ID\s+NAME\s+STATUS\s+STARTED\s+DURATION\s+accuracy$/);
    expect(first).toMatch(/deep\s+FINISHED.*\s0\.76$/);
    expect(second).toMatch(/shallow\s+FINISHED.*\s0\.19$/);
  });

  test('runs list --json is the runs as JSON, non-finite values as strings', async () => {
    const result = await cairn(['runs', 'list', '--experiment', 'iris', '--json'], env);

    const runs = JSON.parse(result.stdout);
    expect(runs).toHaveLength(2);
    expect(runs[0].metrics.odd.value).toBe('NaN');
  });

  test('runs list without an experiment is a usage error', async () => {
    const result = await cairn(['runs', 'list'], env);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--experiment');
  });

  test('runs show prints attributes, params, latest metrics and tags', async () => {
    const result = await cairn(['runs', 'show', runId], env);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Run\\s+${runId}\\nName\\s+deep\\n`));
    expect(result.stdout).toMatch(/Params\nKEY\s+VALUE\nmax_depth\s+8/);
    expect(result.stdout).toMatch(/Metrics \(latest\)\nKEY\s+VALUE\s+STEP\s+TIME\naccuracy\s+0\.76\s+19/);
    expect(result.stdout).toMatch(/odd\s+NaN/);
    expect(result.stdout).toMatch(/Tags\nKEY\s+VALUE\nteam\s+vision/);
  });

  test('runs history prints the points, downsampled on request', async () => {
    const whole = await cairn(['runs', 'history', runId, 'accuracy'], env);
    const sampled = await cairn(['runs', 'history', runId, 'accuracy', '--max-points', '5', '--json'], env);

    expect(whole.code, whole.stderr).toBe(0);
    const lines = whole.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^STEP\s+TIME\s+VALUE$/);
    expect(lines).toHaveLength(21);
    expect(lines[20]).toMatch(/^\s*19\s+\S+ \S+\s+0\.76$/);
    expect(JSON.parse(sampled.stdout).points).toHaveLength(5);
  });

  test('an unknown run: the server code, exit 1', async () => {
    const result = await cairn(['runs', 'show', '0'.repeat(32)], env);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error runs\.not_found: /);
  });
});
