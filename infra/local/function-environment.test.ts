// Each local function's sandbox holds what its row in `infra/function-access.ts` implies, and the
// tenant guard, exactly as the stack's own workers get them. A probe built from the functions' own
// table and bucket clients runs in a real worker container with a function's environment: what a
// row does not declare has no name there, and another tenant's keys are refused before they are sent.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { tenantGuardVariable } from '#table/tenant-guard.ts';
import { type FunctionName, functionNames, runtimeProvided } from '../bundles.ts';
import { type Access, functionAccess } from '../function-access.ts';
import { repoRoot } from '../paths.ts';
import { type Invocation, LocalFunction } from './lambda-runtime.ts';
import { functionEnvironment } from './stack.ts';

const probe = `
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { bucketFor } from '#blobs/client.ts';
import { table, withTenantScope } from '#table/client.ts';

export const handler = async (event) =>
  withTenantScope(event.tenant, async () => {
    if (event.action === 'bucket') {
      const { bucket } = await bucketFor(event.tenant);
      return { bucket };
    }
    const { name, doc } = table();
    const got = await doc.send(new GetCommand({ TableName: name, Key: { pk: event.pk, sk: 'probe' } }));
    return { found: got.Item !== undefined };
  });
`;

let dir: string;
let bundlePath: string;
const started: LocalFunction[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-function-env-'));
  mkdirSync(join(dir, 'probe'));
  bundlePath = join(dir, 'probe', 'index.mjs');
  const built = await build({
    stdin: { contents: probe, resolveDir: repoRoot, loader: 'ts', sourcefile: 'probe.ts' },
    absWorkingDir: repoRoot,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    write: false,
    external: [...runtimeProvided],
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    logLevel: 'silent',
  });
  writeFileSync(bundlePath, built.outputFiles[0]!.contents);
});

afterAll(async () => {
  await Promise.all(started.map((fn) => fn.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** The probe, run with the environment the local stack gives `name`. */
function probeAs(name: FunctionName) {
  const fn = new LocalFunction({
    name: `probe-as-${name}`,
    bundlePath,
    env: functionEnvironment(name, inject('cairn').env),
    timeoutSeconds: 10,
    memoryMb: 256,
    containers: 1,
    provided: runtimeProvided,
    providedFrom: join(repoRoot, 'package.json'),
  });
  started.push(fn);
  return fn;
}

const errorOf = (invocation: Invocation) => {
  expect(invocation.ok).toBe(false);
  return invocation.ok ? '' : `${invocation.error.errorType}: ${invocation.error.errorMessage}`;
};

describe('a local function’s environment', () => {
  test('is its access row’s variables, the tenant guard and the SDK’s settings, for every function', () => {
    const env = inject('cairn').env;
    const variablesOf: Record<Access, string[]> = {
      tenantData: ['CAIRN_TABLE', 'CAIRN_BUCKET', 'CAIRN_S3_FORCE_PATH_STYLE'],
      keyManagement: ['CAIRN_TABLE'],
      keyLookup: ['CAIRN_TABLE'],
      operatorSecret: [],
      publishEvents: ['CAIRN_EVENTS_DIR'],
      queueWebhooks: [],
      readStream: [],
      streamDeadLetters: [],
    };
    const placed = new Set(Object.values(variablesOf).flat());
    for (const name of functionNames) {
      const own = functionEnvironment(name, env);
      expect(own[tenantGuardVariable], name).toBe('enforce');
      for (const variable of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_S3', 'AWS_REGION'])
        expect(own[variable], `${name} ${variable}`).toBe(env[variable]);
      const expected = new Set(
        (functionAccess[name] as readonly Access[]).flatMap((kind) => variablesOf[kind]),
      );
      const present = Object.keys(own).filter((variable) => placed.has(variable));
      expect(present.sort(), name).toEqual([...expected].sort());
      for (const variable of present) expect(own[variable], `${name} ${variable}`).toBe(env[variable]);
    }
    // The row with nothing gets nothing.
    expect(
      Object.keys(functionEnvironment('system', env))
        .filter((v) => v.startsWith('CAIRN_'))
        .sort(),
    ).toEqual(['CAIRN_ALLOW_LOOPBACK_WEBHOOKS', tenantGuardVariable].sort());
  });

  test('is what the running stack gives each of its workers', async () => {
    const { startApi } = await import('./stack.ts');
    const apiDir = join(dir, 'api');
    const api = await startApi({ env: inject('cairn').env, dataDir: apiDir, port: 0, containers: 1 });
    try {
      for (const name of functionNames)
        expect(api.functions[name].options.env, name).toEqual(functionEnvironment(name, inject('cairn').env));
    } finally {
      await api.stop();
    }
  }, 120_000);

  test('names no table for a function that declared none: it fails as on AWS', async () => {
    const invocation = await probeAs('system').invoke({ tenant: `t${randomUUID()}`, pk: 'x#probe' });
    expect(errorOf(invocation)).toMatch(/CAIRN_TABLE/);
  });

  test('names no bucket for a function without tenant data', async () => {
    const invocation = await probeAs('authorizer').invoke({ tenant: `t${randomUUID()}`, action: 'bucket' });
    expect(errorOf(invocation)).toMatch(/CAIRN_BUCKET/);
  });

  test('lets a tenant function read its own tenant’s keys and refuses another tenant’s', async () => {
    const fn = probeAs('runs');
    const mine = `t${randomUUID()}`;
    const other = `t${randomUUID()}`;
    const own = await fn.invoke({ tenant: mine, pk: `${mine}#probe` });
    expect(own.ok && JSON.parse(own.payload)).toEqual({ found: false });
    const foreign = await fn.invoke({ tenant: mine, pk: `${other}#probe` });
    expect(errorOf(foreign)).toMatch(/TenantGuardError/);
  });
});
