// Secrets Manager cannot run here (no AWS), so these tests inject a client. The secret itself is
// generated at deploy by the AWS stack (43 letters and digits); infra/stack.test.ts checks that.
import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it, vi } from 'vitest';
import { operatorSecretMatcher, reloadAfterMs } from './operator-secret.ts';
import { secretPattern } from './secrets.ts';

const secretArn = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:cairn-operator-AbCdEf';
const generated = 'Q1w2E3r4T5y6U7i8O9p0AsDfGhJkLzXcVbNm1234567';

function fakeSecrets(values: Array<string | Error>) {
  const calls: GetSecretValueCommand['input'][] = [];
  const client = {
    send: async (command: GetSecretValueCommand) => {
      calls.push(command.input);
      const value = values[Math.min(calls.length, values.length) - 1]!;
      if (value instanceof Error) throw value;
      return { SecretString: value };
    },
  };
  return { client: client as never, calls };
}

describe('operator key secret', () => {
  it('holds a value that makes a valid Cairn API key', () => {
    expect(generated).toHaveLength(43);
    expect(`cairn_${generated}`).toMatch(secretPattern);
  });

  it('matches cairn_<secret value> and nothing else', async () => {
    const { client, calls } = fakeSecrets([generated]);
    const matches = operatorSecretMatcher({ secretArn, client });
    expect(await matches(`cairn_${generated}`)).toBe(true);
    expect(await matches(generated)).toBe(false);
    expect(await matches(`cairn_${generated.slice(0, -1)}x`)).toBe(false);
    expect(calls).toEqual([{ SecretId: secretArn }]);
  });

  it('accepts a whole cairn_ key stored as the value (a hand rotation)', async () => {
    const { client } = fakeSecrets([`cairn_${generated}`]);
    const matches = operatorSecretMatcher({ secretArn, client });
    expect(await matches(`cairn_${generated}`)).toBe(true);
  });

  it('never matches without a secret ARN (the local stack) and reads nothing', async () => {
    const { client, calls } = fakeSecrets([generated]);
    const matches = operatorSecretMatcher({ secretArn: undefined, client });
    expect(await matches(`cairn_${generated}`)).toBe(false);
    expect(calls).toHaveLength(0);
  });

  it('loads once, lazily, and reloads after the interval to pick up a rotation', async () => {
    const clock = { now: 0 };
    const rotated = generated.replace('Q', 'R');
    const { client, calls } = fakeSecrets([generated, rotated]);
    const matches = operatorSecretMatcher({ secretArn, client, now: () => clock.now });
    expect(calls).toHaveLength(0);
    await Promise.all([matches('cairn_a'), matches('cairn_b'), matches(`cairn_${generated}`)]);
    expect(calls).toHaveLength(1);
    clock.now += reloadAfterMs - 1;
    expect(await matches(`cairn_${generated}`)).toBe(true);
    expect(calls).toHaveLength(1);
    clock.now += 1;
    expect(await matches(`cairn_${rotated}`)).toBe(true);
    expect(await matches(`cairn_${generated}`)).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it('answers false when the secret cannot be read, and tries again next time', async () => {
    const { client, calls } = fakeSecrets([new Error('AccessDeniedException'), generated]);
    const matches = operatorSecretMatcher({ secretArn, client });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await matches(`cairn_${generated}`)).toBe(false);
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
    expect(await matches(`cairn_${generated}`)).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('keeps the last value read while a reload fails', async () => {
    const clock = { now: 0 };
    const { client } = fakeSecrets([generated, new Error('ServiceUnavailable')]);
    const matches = operatorSecretMatcher({ secretArn, client, now: () => clock.now });
    expect(await matches(`cairn_${generated}`)).toBe(true);
    clock.now += reloadAfterMs;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await matches(`cairn_${generated}`)).toBe(true);
    logged.mockRestore();
  });
});
