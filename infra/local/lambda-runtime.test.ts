// The local Lambda runtime with small functions of its own (written here, run in real worker
// containers), so that timeouts, crashes and payload limits can be provoked on purpose.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runtimeProvided } from '../bundles.ts';
import { repoRoot } from '../paths.ts';
import {
  type Invocation,
  LocalFunction,
  lambdaMaxRequestBytes,
  lambdaMaxResponseBytes,
} from './lambda-runtime.ts';

const probe = `
let calls = 0;
const container = Math.random().toString(36).slice(2);
export const handler = async (event, context) => {
  calls++;
  switch (event.action) {
    case 'count': return { calls, container };
    case 'throw': throw new TypeError('boom');
    case 'sleep': await new Promise((done) => setTimeout(done, event.ms)); return { slept: event.ms };
    case 'exit': process.exit(3);
    case 'crash-later': setTimeout(() => { throw new Error('after the response'); }, 0); return { ok: true };
    case 'big': return { body: 'x'.repeat(event.bytes) };
    case 'context': return {
      remaining: context.getRemainingTimeInMillis(),
      requestId: context.awsRequestId,
      functionName: context.functionName,
      memory: context.memoryLimitInMB,
      env: process.env.AWS_LAMBDA_FUNCTION_NAME,
    };
    case 'echo': return event;
  }
};`;

let dir: string;
const started: LocalFunction[] = [];

function fixture(name: string, source: string): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'index.mjs'), source);
  return join(folder, 'index.mjs');
}

function localFunction(bundlePath: string, overrides: { containers?: number; timeoutSeconds?: number } = {}) {
  const fn = new LocalFunction({
    name: 'probe',
    bundlePath,
    env: { AWS_REGION: 'us-east-1' },
    timeoutSeconds: overrides.timeoutSeconds ?? 10,
    memoryMb: 256,
    containers: overrides.containers ?? 1,
    provided: runtimeProvided,
    providedFrom: join(repoRoot, 'package.json'),
  });
  started.push(fn);
  return fn;
}

const body = (invocation: Invocation) => {
  if (!invocation.ok) throw new Error(`${invocation.error.errorType}: ${invocation.error.errorMessage}`);
  return JSON.parse(invocation.payload);
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-runtime-'));
});
afterAll(async () => {
  await Promise.all(started.map((fn) => fn.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('containers', () => {
  test('the first invocation is a cold start; later ones reuse the warm container and its module state', async () => {
    const fn = localFunction(fixture('reuse', probe));

    const first = await fn.invoke({ action: 'count' });
    const second = await fn.invoke({ action: 'count' });

    expect(first.ok && first.container.initMs).toBeGreaterThan(0);
    expect(second.ok && second.container.initMs).toBeUndefined();
    expect(body(second)).toEqual({ calls: 2, container: body(first).container });
    expect(fn.coldStarts).toBe(1);
  });

  test('two containers of one function each have their own module state', async () => {
    const fn = localFunction(fixture('two', probe), { containers: 2 });

    // Two invocations at once need two containers.
    const [a, b] = await Promise.all([
      fn.invoke({ action: 'sleep', ms: 300 }),
      fn.invoke({ action: 'sleep', ms: 300 }),
    ]);
    expect(a.ok && b.ok && a.container.containerId !== b.container.containerId).toBe(true);
    const counts = await Promise.all([
      fn.invoke({ action: 'sleep', ms: 300 }).then(() => fn.invoke({ action: 'count' })),
      fn.invoke({ action: 'sleep', ms: 300 }).then(() => fn.invoke({ action: 'count' })),
    ]);

    const [one, two] = counts.map(body);
    expect(one.container).not.toBe(two.container);
    // Each container saw its own calls only: 2 sleeps + 1 count each, never 6 in one.
    expect(one.calls + two.calls).toBe(6);
    expect(Math.max(one.calls, two.calls)).toBeLessThan(6);
    expect(fn.containers).toBe(2);
    expect(fn.coldStarts).toBe(2);
  });

  test('more invocations than containers wait for a free one instead of starting more', async () => {
    const fn = localFunction(fixture('queue', probe), { containers: 1 });
    const results = await Promise.all([1, 2, 3].map(() => fn.invoke({ action: 'count' })));
    expect(results.map((result) => body(result).calls).sort()).toEqual([1, 2, 3]);
    expect(fn.coldStarts).toBe(1);
  });
});

describe('what the handler sees', () => {
  test('the event as JSON and a context like the Node.js runtime passes', async () => {
    const fn = localFunction(fixture('context', probe), { timeoutSeconds: 29 });
    const seen = body(await fn.invoke({ action: 'context' }, 'req-123'));
    expect(seen).toMatchObject({ requestId: 'req-123', functionName: 'probe', memory: '256', env: 'probe' });
    expect(seen.remaining).toBeGreaterThan(25_000);
    expect(seen.remaining).toBeLessThanOrEqual(29_000);
    const echoed = body(await fn.invoke({ action: 'echo', when: new Date(0), gone: undefined }));
    expect(echoed).toEqual({ action: 'echo', when: '1970-01-01T00:00:00.000Z' });
  });

  test('packages the runtime provides (the AWS SDK) resolve; any other left out of the bundle fails at init', async () => {
    const sdk = localFunction(
      fixture(
        'sdk',
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; export const handler = async () => typeof DynamoDBClient;",
      ),
    );
    expect(body(await sdk.invoke({}))).toBe('function');
    const missing = localFunction(
      fixture('missing', "import { z } from 'zod'; export const handler = async () => typeof z;"),
    );
    const failed = await missing.invoke({});
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.error).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: expect.stringContaining("Cannot find package 'zod'"),
    });
  });
});

describe('failures, as Lambda reports them', () => {
  test('a handler that throws: the error, and the container stays warm', async () => {
    const fn = localFunction(fixture('throws', probe));
    const failed = await fn.invoke({ action: 'throw' });
    expect(!failed.ok && failed.error).toMatchObject({ errorType: 'TypeError', errorMessage: 'boom' });
    expect(body(await fn.invoke({ action: 'count' })).calls).toBe(2);
    expect(fn.coldStarts).toBe(1);
  });

  test('a handler past its timeout: Sandbox.Timedout, and the next invocation gets a fresh container', async () => {
    const fn = localFunction(fixture('slow', probe), { timeoutSeconds: 1 });
    const failed = await fn.invoke({ action: 'sleep', ms: 5_000 });
    expect(!failed.ok && failed.error).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 1.00 seconds',
    });
    expect(body(await fn.invoke({ action: 'count' })).calls).toBe(1);
    expect(fn.coldStarts).toBe(2);
  });

  test('a container that exits, or throws after answering, is replaced', async () => {
    const fn = localFunction(fixture('exits', probe));
    const exited = await fn.invoke({ action: 'exit' });
    expect(!exited.ok && exited.error.errorType).toBe('Runtime.ExitError');
    expect(body(await fn.invoke({ action: 'count' })).calls).toBe(1);

    expect(body(await fn.invoke({ action: 'crash-later' }))).toEqual({ ok: true });
    // The uncaught error ends that container; the next invocation starts another.
    await new Promise((done) => setTimeout(done, 200));
    expect(body(await fn.invoke({ action: 'count' })).calls).toBe(1);
    expect(fn.coldStarts).toBe(3);
  });

  test('an event over 6 MB is refused before any container sees it', async () => {
    const fn = localFunction(fixture('request', probe));
    const failed = await fn.invoke({ action: 'echo', padding: 'x'.repeat(lambdaMaxRequestBytes) });
    expect(!failed.ok && failed.error.errorType).toBe('RequestEntityTooLargeException');
    expect(fn.coldStarts).toBe(0);
  });

  test('a response over 6 MB is Function.ResponseSizeTooLarge; one just under passes', async () => {
    const fn = localFunction(fixture('response', probe));
    // `{"body":"…"}` adds 11 bytes to the padding.
    const under = await fn.invoke({ action: 'big', bytes: lambdaMaxResponseBytes - 11 });
    expect(under.ok && under.payload.length).toBe(lambdaMaxResponseBytes);
    const over = await fn.invoke({ action: 'big', bytes: lambdaMaxResponseBytes - 10 });
    expect(!over.ok && over.error.errorType).toBe('Function.ResponseSizeTooLarge');
  });
});
