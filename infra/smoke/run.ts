import { createHash, randomBytes } from 'node:crypto';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SmokeOptions } from './args.ts';
import { smokeSteps, smokeTenantIds, teardownFilter } from './plan.ts';

// biome-ignore lint/suspicious/noExplicitAny: API answers, read field by field and checked
type Json = any;

export class SmokeFailure extends Error {
  override name = 'SmokeFailure';
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new SmokeFailure(message);
}

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

async function call(
  base: string,
  method: string,
  path: string,
  key?: string,
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Json = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (an S3 or CloudFront error page): the text itself is the answer.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

function expectStatus(answer: Answer, status: number, what: string, code?: string): Json {
  check(
    answer.status === status,
    `${what}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`,
  );
  if (code)
    check(
      answer.body?.error?.code === code,
      `${what}: expected error ${code}, got ${JSON.stringify(answer.body)}`,
    );
  return answer.body;
}

export interface SmokeContext {
  options: SmokeOptions;
  outputs: Record<string, string>;
  api: string;
  operatorKey: string;
  tenants: { a: string; b: string };
  keys: { a?: string; b?: string };
  experimentId?: string;
  runId?: string;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Each step, by its id in `smokeSteps`. */
const steps: Record<string, (context: SmokeContext) => Promise<string>> = {
  async outputs(context) {
    const cloudFormation = new CloudFormationClient({ region: context.options.region });
    const { Stacks } = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: context.options.stack }),
    );
    for (const output of Stacks?.[0]?.Outputs ?? [])
      if (output.OutputKey && output.OutputValue) context.outputs[output.OutputKey] = output.OutputValue;
    for (const name of ['ApiUrl', 'DashboardUrl', 'OperatorKeySecretArn', 'TableName', 'ArtifactBucket'])
      check(context.outputs[name], `the stack has no ${name} output`);
    context.api = context.outputs.ApiUrl!.replace(/\/?$/, '/');
    const secrets = new SecretsManagerClient({ region: context.options.region });
    const { SecretString } = await secrets.send(
      new GetSecretValueCommand({ SecretId: context.outputs.OperatorKeySecretArn }),
    );
    check(SecretString, 'the operator secret is empty');
    context.operatorKey = `cairn_${SecretString}`;
    return `API ${context.api}, operator key read from Secrets Manager`;
  },

  async health(context) {
    const body = expectStatus(await call(context.api, 'GET', 'api/v1/health'), 200, 'health');
    check(body?.status === 'ok', `health answered ${JSON.stringify(body)}`);
    return 'ok';
  },

  async refusal(context) {
    expectStatus(await call(context.api, 'GET', 'api/v1/tenant'), 401, 'no key', 'auth.missing_key');
    expectStatus(
      await call(context.api, 'GET', 'api/v1/tenant', `cairn_${'x'.repeat(43)}`),
      401,
      'unknown key',
      'auth.invalid_key',
    );
    return '401 with Cairn error codes';
  },

  async dashboard(context) {
    const site = context.outputs.DashboardUrl!.replace(/\/?$/, '/');
    const page = await fetch(site);
    const html = await page.text();
    if (page.status === 404)
      return 'skipped: the dashboard was not built before the deploy (npm run build:web)';
    check(page.status === 200, `dashboard answered ${page.status}`);
    const policy = page.headers.get('content-security-policy') ?? '';
    check(/(^|; )script-src 'self'(;|$)/.test(policy), `dashboard policy is ${JSON.stringify(policy)}`);
    const apiOrigin = new URL(context.api).origin;
    check(
      html.includes(`connect-src 'self' ${apiOrigin}`),
      `the page does not name ${apiOrigin} in its policy`,
    );
    const config = await (await fetch(new URL('config.json', site))).json();
    check(new URL(config.apiUrl).origin === apiOrigin, `config.json names ${config.apiUrl}`);
    return 'headers, page policy and config.json';
  },

  async tenants(context) {
    for (const side of ['a', 'b'] as const) {
      const id = context.tenants[side];
      const created = expectStatus(
        await call(context.api, 'POST', 'api/v1/tenants', context.operatorKey, { id, name: `Smoke ${id}` }),
        201,
        `create tenant ${id}`,
      );
      context.keys[side] = created.apiKey.secret;
      const me = expectStatus(
        await call(context.api, 'GET', 'api/v1/tenant', context.keys[side]),
        200,
        'GET /tenant',
      );
      check(me.tenant.id === id, `tenant ${id}'s key reads tenant ${me.tenant?.id}`);
    }
    return `${context.tenants.a}, ${context.tenants.b}`;
  },

  async run(context) {
    const key = context.keys.a!;
    const experiment = expectStatus(
      await call(context.api, 'POST', 'api/v1/experiments', key, { name: 'smoke' }),
      201,
      'create experiment',
    ).experiment;
    context.experimentId = experiment.id;
    const run = expectStatus(
      await call(context.api, 'POST', 'api/v1/runs', key, {
        experimentId: experiment.id,
        params: { lr: '0.1' },
      }),
      201,
      'create run',
    ).run;
    context.runId = run.id;
    const metrics = [1, 2, 3].map((step) => ({ key: 'loss', value: 1 / step, step }));
    expectStatus(
      await call(context.api, 'POST', `api/v1/runs/${run.id}/log`, key, { metrics }),
      200,
      'log batch',
    );
    const read = expectStatus(
      await call(context.api, 'GET', `api/v1/runs/${run.id}`, key),
      200,
      'get run',
    ).run;
    check(read.metrics.loss?.step === 3, `latest loss is ${JSON.stringify(read.metrics.loss)}`);
    const history = expectStatus(
      await call(context.api, 'GET', `api/v1/runs/${run.id}/metric-history?key=loss`, key),
      200,
      'metric history',
    );
    check(history.points.length === 3, `history has ${history.points.length} points`);
    const found = expectStatus(
      await call(context.api, 'POST', 'api/v1/runs/search', key, {
        experimentIds: [experiment.id],
        filter: 'metrics.loss < 0.5',
      }),
      200,
      'search runs',
    );
    check(
      found.runs.length === 1 && found.runs[0].id === run.id,
      `search found ${found.runs.map((r: Json) => r.id)}`,
    );
    return `run ${run.id}: 3 points, found by search`;
  },

  async upload(context) {
    const key = context.keys.a!;
    const bytes = new TextEncoder().encode(`smoke ${randomBytes(16).toString('hex')}\n`);
    const blob = { sha256: sha256(bytes), size: bytes.length };
    const plan = expectStatus(
      await call(context.api, 'POST', 'api/v1/uploads', key, { blobs: [blob] }),
      200,
      'start upload',
    ).blobs[0];
    check(plan.status === 'put', `upload plan is ${plan.status}`);
    const put = await fetch(plan.request.url, { method: 'PUT', headers: plan.request.headers, body: bytes });
    check(put.status === 200, `presigned PUT answered ${put.status} ${await put.text()}`);
    const done = expectStatus(
      await call(context.api, 'POST', 'api/v1/uploads/complete', key, { blobs: [blob] }),
      200,
      'complete upload',
    );
    check(done.recorded.length === 1, `recorded ${JSON.stringify(done.recorded)}`);
    expectStatus(
      await call(context.api, 'POST', `api/v1/runs/${context.runId}/artifacts`, key, {
        files: [{ path: 'smoke.txt', ...blob }],
      }),
      201,
      'log artifact',
    );
    const urls = expectStatus(
      await call(context.api, 'GET', `api/v1/runs/${context.runId}/artifacts/urls?path=smoke.txt`, key),
      200,
      'artifact URLs',
    );
    const got = await fetch(urls.files[0].url);
    const back = new Uint8Array(await got.arrayBuffer());
    check(
      got.status === 200 && sha256(back) === blob.sha256,
      `presigned GET answered ${got.status}, other bytes`,
    );
    return `${blob.size} bytes up and down`;
  },

  async checksum(context) {
    const key = context.keys.a!;
    const declared = new TextEncoder().encode(`declared ${randomBytes(16).toString('hex')}`);
    const other = new TextEncoder().encode(`tampered ${randomBytes(16).toString('hex')}`);
    check(declared.length === other.length, 'the two bodies must have one length');
    const blob = { sha256: sha256(declared), size: declared.length };
    const plan = expectStatus(
      await call(context.api, 'POST', 'api/v1/uploads', key, { blobs: [blob] }),
      200,
      'start upload',
    ).blobs[0];
    check(plan.status === 'put', `upload plan is ${plan.status}`);
    const put = await fetch(plan.request.url, { method: 'PUT', headers: plan.request.headers, body: other });
    const refusal = await put.text();
    check(
      put.status >= 400 && put.status < 500,
      `S3 accepted other bytes under a signed checksum (${put.status})`,
    );
    expectStatus(
      await call(context.api, 'POST', 'api/v1/uploads/complete', key, { blobs: [blob] }),
      409,
      'complete after a refused PUT',
      'blobs.missing',
    );
    return `S3 answered ${put.status} ${/<Code>([^<]+)/.exec(refusal)?.[1] ?? ''}; the blob stays missing`;
  },

  async isolation(context) {
    const b = context.keys.b!;
    expectStatus(
      await call(context.api, 'GET', `api/v1/runs/${context.runId}`, b),
      404,
      "B reads A's run",
      'runs.not_found',
    );
    expectStatus(
      await call(context.api, 'GET', `api/v1/runs/${context.runId}/artifacts/urls`, b),
      404,
      "B signs A's artifacts",
    );
    expectStatus(
      await call(context.api, 'GET', `api/v1/experiments/${context.experimentId}`, b),
      404,
      "B reads A's experiment",
      'experiments.not_found',
    );
    const listed = expectStatus(
      await call(context.api, 'GET', 'api/v1/experiments', b),
      200,
      'B lists experiments',
    );
    check(!listed.experiments.some((e: Json) => e.name === 'smoke'), "B's listing shows A's experiment");
    return "404 for A's run, artifacts and experiment";
  },

  async revocation(context) {
    const admin = context.keys.a!;
    const made = expectStatus(
      await call(context.api, 'POST', 'api/v1/keys', admin, { name: 'smoke writer', role: 'writer' }),
      201,
      'create key',
    ).apiKey;
    expectStatus(await call(context.api, 'GET', 'api/v1/tenant', made.secret), 200, 'new key');
    expectStatus(await call(context.api, 'DELETE', `api/v1/keys/${made.id}`, admin), 200, 'revoke key');
    expectStatus(
      await call(context.api, 'GET', 'api/v1/tenant', made.secret),
      401,
      'revoked key',
      'auth.invalid_key',
    );
    return 'refused on the next request';
  },

  async teardown(context) {
    if (context.options.keep) return `kept: ${context.tenants.a}, ${context.tenants.b}`;
    return removeSmokeTenants(context);
  },
};

/** Deletes the smoke tenants' items and objects with the caller's own AWS credentials. */
async function removeSmokeTenants(context: SmokeContext): Promise<string> {
  const { region } = context.options;
  const tenants = [context.tenants.a, context.tenants.b];
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region }));
  const TableName = context.outputs.TableName!;
  let items = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName,
        ...teardownFilter(tenants),
        ProjectionExpression: 'pk, sk',
        ExclusiveStartKey: start,
      }),
    );
    const found = page.Items ?? [];
    for (let i = 0; i < found.length; i += 25) {
      let requests: Json = { [TableName]: found.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } })) };
      for (let attempt = 0; requests && Object.keys(requests).length > 0; attempt++) {
        check(attempt < 8, 'DynamoDB kept items unprocessed');
        if (attempt > 0) await new Promise((done) => setTimeout(done, 100 * 2 ** attempt));
        requests = (await doc.send(new BatchWriteCommand({ RequestItems: requests }))).UnprocessedItems;
      }
    }
    items += found.length;
    start = page.LastEvaluatedKey;
  } while (start);

  const s3 = new S3Client({ region });
  const Bucket = context.outputs.ArtifactBucket!;
  let objects = 0;
  for (const tenant of tenants) {
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectVersionsCommand({
          Bucket,
          Prefix: `${tenant}/`,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
        }),
      );
      const versions = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
        Key: v.Key!,
        VersionId: v.VersionId,
      }));
      if (versions.length > 0) {
        const answer = await s3.send(
          new DeleteObjectsCommand({ Bucket, Delete: { Objects: versions, Quiet: true } }),
        );
        check(!answer.Errors?.length, `S3 kept ${answer.Errors?.length} object versions`);
        objects += versions.length;
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
  }
  return `removed ${items} items and ${objects} object versions`;
}

export interface StepResult {
  id: string;
  ok: boolean;
  detail: string;
}

/**
 * Runs every step in order, stopping at the first failure, and always tears down what it created
 * (unless `--keep`). Reports one line per step.
 */
export async function runSmoke(
  options: SmokeOptions,
  report: (result: StepResult) => void,
): Promise<boolean> {
  const context: SmokeContext = {
    options,
    outputs: {},
    api: '',
    operatorKey: '',
    tenants: smokeTenantIds(randomBytes(5).toString('hex')),
    keys: {},
  };
  let ok = true;
  for (const step of smokeSteps) {
    if (step.id === 'teardown') break;
    if (!ok) {
      report({ id: step.id, ok: false, detail: 'not run: an earlier step failed' });
      continue;
    }
    try {
      report({ id: step.id, ok: true, detail: await steps[step.id]!(context) });
    } catch (error) {
      ok = false;
      report({ id: step.id, ok: false, detail: error instanceof Error ? error.message : String(error) });
    }
  }
  // Teardown whatever happened before, once the table is known.
  if (context.outputs.TableName) {
    try {
      report({ id: 'teardown', ok: true, detail: await steps.teardown!(context) });
    } catch (error) {
      ok = false;
      report({ id: 'teardown', ok: false, detail: error instanceof Error ? error.message : String(error) });
    }
  }
  return ok;
}

/** Every step of the plan has an implementation, and nothing runs that the plan does not describe. */
export const implementedSteps = Object.keys(steps);

export function newSmokeContext(options: SmokeOptions): SmokeContext {
  return {
    options,
    outputs: {},
    api: '',
    operatorKey: '',
    tenants: smokeTenantIds(randomBytes(5).toString('hex')),
    keys: {},
  };
}

/** One step on its own: the steps that need only the API also run against the local stack. */
export function runStep(id: string, context: SmokeContext): Promise<string> {
  const step = steps[id];
  if (!step) throw new Error(`No smoke step ${id}`);
  return step(context);
}
