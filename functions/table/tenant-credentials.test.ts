// STS cannot run here (no AWS), so these tests inject a client and check our side of the contract:
// the AssumeRole request (role, session tag, duration) and the per-tenant cache around it. That the
// tagged session really confines DynamoDB and S3 is IAM's side, asserted on the generated policy in
// infra/stack.test.ts.
import type { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import {
  renewBeforeMs,
  sessionSeconds,
  tenantCredentialsSource,
  tenantSessionTag,
} from './tenant-credentials.ts';

const roleArn = 'arn:aws:iam::111111111111:role/cairn-tenant';

function fakeSts(clock: { now: number }, options: { fail?: () => boolean } = {}) {
  const calls: AssumeRoleCommand['input'][] = [];
  let issued = 0;
  const sts = {
    send: async (command: AssumeRoleCommand) => {
      calls.push(command.input);
      await Promise.resolve();
      if (options.fail?.()) throw Object.assign(new Error('throttled'), { name: 'Throttling' });
      issued++;
      return {
        Credentials: {
          AccessKeyId: `AKIA${issued}`,
          SecretAccessKey: `secret-${issued}`,
          SessionToken: `token-${issued}`,
          Expiration: new Date(clock.now + (command.input.DurationSeconds ?? 3600) * 1000),
        },
      };
    },
  };
  return { sts: sts as never, calls };
}

describe('tenant credentials', () => {
  it('are undefined without a role ARN, so callers keep the default credentials', async () => {
    const clock = { now: 0 };
    const { sts, calls } = fakeSts(clock);
    const source = tenantCredentialsSource({ roleArn: undefined, sts });
    expect(await source('acme')).toBeUndefined();
    expect(calls).toHaveLength(0);
  });

  it('assume the tenant role with the tenant as session tag and session name', async () => {
    const clock = { now: 1_000_000 };
    const { sts, calls } = fakeSts(clock);
    const source = tenantCredentialsSource({ roleArn, sts, now: () => clock.now });
    const credentials = await source('acme');
    expect(calls).toEqual([
      {
        RoleArn: roleArn,
        RoleSessionName: 'acme',
        DurationSeconds: sessionSeconds,
        Tags: [{ Key: tenantSessionTag, Value: 'acme' }],
      },
    ]);
    expect(credentials).toEqual({
      accessKeyId: 'AKIA1',
      secretAccessKey: 'secret-1',
      sessionToken: 'token-1',
      expiration: new Date(clock.now + sessionSeconds * 1000),
    });
  });

  it('are cached per tenant while more than a minute of validity is left', async () => {
    const clock = { now: 0 };
    const { sts, calls } = fakeSts(clock);
    const source = tenantCredentialsSource({ roleArn, sts, now: () => clock.now });
    const first = await source('acme');
    clock.now += sessionSeconds * 1000 - renewBeforeMs - 1;
    expect(await source('acme')).toBe(first);
    expect(await source('globex')).not.toEqual(first);
    expect(calls.map((call) => call.RoleSessionName)).toEqual(['acme', 'globex']);

    clock.now += 1;
    const renewed = await source('acme');
    expect(renewed?.accessKeyId).not.toBe(first?.accessKeyId);
    expect(calls).toHaveLength(3);
  });

  it('are renewed when a signer needs them to outlive its URL', async () => {
    const clock = { now: 0 };
    const { sts, calls } = fakeSts(clock);
    const source = tenantCredentialsSource({ roleArn, sts, now: () => clock.now });
    await source('acme');
    clock.now += 50 * 60_000; // ten minutes left
    await source('acme', { validForMs: 5 * 60_000 });
    expect(calls).toHaveLength(1);
    await source('acme', { validForMs: 15 * 60_000 });
    expect(calls).toHaveLength(2);
    await expect(source('acme', { validForMs: sessionSeconds * 1000 })).rejects.toThrow(RangeError);
  });

  it('share one STS call between concurrent requests for a tenant', async () => {
    const clock = { now: 0 };
    const { sts, calls } = fakeSts(clock);
    const source = tenantCredentialsSource({ roleArn, sts, now: () => clock.now });
    const all = await Promise.all([source('acme'), source('acme'), source('acme')]);
    expect(calls).toHaveLength(1);
    expect(new Set(all).size).toBe(1);
  });

  it('do not cache a failure', async () => {
    const clock = { now: 0 };
    let failing = true;
    const { sts, calls } = fakeSts(clock, { fail: () => failing });
    const source = tenantCredentialsSource({ roleArn, sts, now: () => clock.now });
    await expect(source('acme')).rejects.toThrow('throttled');
    failing = false;
    expect(await source('acme')).toMatchObject({ accessKeyId: 'AKIA1' });
    expect(calls).toHaveLength(2);
  });

  it('refuse an empty tenant: operators have no tenant to be confined to', async () => {
    const { sts } = fakeSts({ now: 0 });
    const source = tenantCredentialsSource({ roleArn, sts });
    await expect(source('')).rejects.toThrow('tenant id');
  });
});
