// The smoke test cannot reach AWS from here. What can be checked is checked: its arguments, its
// plan, its teardown filter, and its API steps, which run against the local test stack so that the
// requests it makes on AWS are the ones the API answers. The AWS-only steps (stack outputs, the
// dashboard on CloudFront, S3 refusing a wrong checksum, teardown) run only on AWS.
import { describe, expect, inject, it } from 'vitest';
import { tableDefinition } from '#table/definition.ts';
import { keys } from '#table/keys.ts';
import { parseSmokeArgs, UsageError } from './args.ts';
import { describePlan, notChecked, smokeSteps, smokeTenantIds, teardownFilter } from './plan.ts';
import { implementedSteps, newSmokeContext, runStep } from './run.ts';

const env = { AWS_REGION: 'eu-west-1' };

describe('smoke test arguments (offline)', () => {
  it('takes the stack, a region from the flag or the environment, --keep and --plan', () => {
    expect(parseSmokeArgs(['--stack', 'Cairn'], env)).toEqual({
      stack: 'Cairn',
      region: 'eu-west-1',
      keep: false,
      planOnly: false,
    });
    expect(parseSmokeArgs(['--stack=Cairn-dev', '--region', 'us-east-2', '--keep'], {})).toMatchObject({
      stack: 'Cairn-dev',
      region: 'us-east-2',
      keep: true,
    });
    expect(parseSmokeArgs(['--plan'], {})).toMatchObject({ planOnly: true });
  });

  it('refuses what it cannot run with, saying what is wrong', () => {
    const refused = (argv: string[], environment: Record<string, string> = env) => {
      try {
        parseSmokeArgs(argv, environment);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error(`accepted ${argv.join(' ')}`);
    };
    expect(refused([])).toMatch(/--stack is required/);
    expect(refused(['--stack'])).toMatch(/--stack needs a value/);
    expect(refused(['--stack', '--keep'])).toMatch(/--stack needs a value/);
    expect(refused(['--stack', 'Cairn'], {})).toMatch(/No region/);
    expect(refused(['--stack', 'Cairn', '--region', 'mars'])).toMatch(/not an AWS region/);
    expect(refused(['--stack', 'a b'])).toMatch(/not a stack name/);
    expect(refused(['--stack', 'Cairn', '--force'])).toMatch(/Unknown argument "--force"/);
  });
});

describe('smoke test plan (offline)', () => {
  it('implements exactly the steps it describes, and says what it does not check', () => {
    expect(implementedSteps.sort()).toEqual(smokeSteps.map((step) => step.id).sort());
    for (const id of [
      'health',
      'tenants',
      'run',
      'upload',
      'checksum',
      'isolation',
      'revocation',
      'teardown',
    ])
      expect(smokeSteps.map((step) => step.id)).toContain(id);
    const plan = describePlan();
    for (const step of smokeSteps) expect(plan).toContain(`${step.id}: ${step.checks}`);
    for (const item of notChecked) expect(plan).toContain(item);
  });

  it('names its tenants so that teardown finds them and nothing of a real tenant', () => {
    const { a, b } = smokeTenantIds('abc123');
    expect([a, b]).toEqual(['smoke-abc123-a', 'smoke-abc123-b']);
    expect(() => smokeTenantIds('ABC')).toThrow();
    const { FilterExpression, ExpressionAttributeValues: values } = teardownFilter([a, b]);
    // Every key the tenants have: their data partitions, their key items and their hash lookups.
    const starts = Object.entries(values)
      .filter(([name]) => name.startsWith(':p'))
      .map(([, value]) => value);
    expect(starts).toEqual([`${a}#`, `${b}#`]);
    for (const key of [keys.tenant(a).pk, keys.apiKeysOf(b)]) expect(Object.values(values)).toContain(key);
    expect(FilterExpression).toContain('begins_with(pk, :hash) AND tenantId IN (:o0, :o1)');
    expect(FilterExpression.match(/\bpk\b/g)?.length).toBe(7);
    expect(tableDefinition.partitionKey).toBe('pk');
    // A tenant whose id extends a smoke tenant's is not matched: the prefix ends with "#".
    expect(`${a}x#RUN#1`.startsWith(values[':p0']!)).toBe(false);
  });
});

describe('smoke test API steps (local stack)', () => {
  it('run against the local stack as they will against the deployed one', async () => {
    const { url, operatorKey } = inject('cairn');
    const context = newSmokeContext({ stack: 'local', region: 'eu-west-1', keep: true, planOnly: false });
    context.api = `${url}/`;
    context.operatorKey = operatorKey;
    const done: Record<string, string> = {};
    for (const id of ['health', 'refusal', 'tenants', 'run', 'upload', 'isolation', 'revocation'])
      done[id] = await runStep(id, context);
    expect(done.run).toMatch(/3 points, found by search/);
    expect(done.upload).toMatch(/bytes up and down/);
    // The emulator does not verify checksums: the step that needs real S3 says so by failing here.
    await expect(runStep('checksum', context)).rejects.toThrow(/S3 accepted other bytes/);
  }, 60_000);
});
