import { createHash, timingSafeEqual } from 'node:crypto';
// Types only: the client is loaded the first time a key is not found in the table, so the
// authorizer's cold start does not pay for Secrets Manager.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * The deployed stack's first operator key lives in a Secrets Manager secret created at deploy: its
 * value is 43 random letters and digits (256 bits), and the key is `cairn_<value>`, a valid Cairn
 * API key. A full `cairn_…` key stored as the value is accepted too, for operators who rotate by
 * hand. Nothing is written to the table, so no custom resource runs at deploy.
 */
export const operatorKeyPrefix = 'cairn_';

/** A rotated secret is picked up within this long by warm authorizers. */
export const reloadAfterMs = 5 * 60_000;

export interface OperatorSecretOptions {
  /** Unset where there is no such secret (the local stack keeps operator keys in the table). */
  secretArn: string | undefined;
  client?: Pick<SecretsManagerClient, 'send'>;
  now?: () => number;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Builds the check "is this presented key the deploy-time operator key?". The secret is loaded
 * lazily on first use and kept for `reloadAfterMs`; a failed load is logged and retried on the next
 * call, and meanwhile the last value read (if any) still counts. Comparison is constant-time over digests.
 */
export function operatorSecretMatcher(
  options: OperatorSecretOptions,
): (presented: string) => Promise<boolean> {
  const { secretArn } = options;
  const now = options.now ?? Date.now;
  let client = options.client;
  let loaded: { key: Buffer; at: number } | undefined;
  let loading: Promise<Buffer | undefined> | undefined;

  async function load(): Promise<Buffer | undefined> {
    try {
      const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
      client ??= new SecretsManagerClient({});
      const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
      const value = SecretString?.trim();
      if (!value) throw new Error('the secret has no string value');
      const key = digest(value.startsWith(operatorKeyPrefix) ? value : `${operatorKeyPrefix}${value}`);
      loaded = { key, at: now() };
      return key;
    } catch (error) {
      console.error(
        JSON.stringify({ level: 'error', message: `operator key secret unreadable: ${String(error)}` }),
      );
      // A key that was readable a moment ago beats locking the operator out during an outage.
      return loaded?.key;
    } finally {
      loading = undefined;
    }
  }

  return async (presented) => {
    if (!secretArn) return false;
    let key = loaded && now() - loaded.at < reloadAfterMs ? loaded.key : undefined;
    if (!key) {
      loading ??= load();
      key = await loading;
    }
    return key !== undefined && timingSafeEqual(key, digest(presented));
  };
}

let shared: ((presented: string) => Promise<boolean>) | undefined;

/**
 * Whether `secret` is the operator key kept in the secret named by `CAIRN_OPERATOR_SECRET_ARN`.
 * The authorizer asks only after the table lookup found nothing, so tenant keys never pay for it.
 */
export function operatorKeyMatches(secret: string): Promise<boolean> {
  shared ??= operatorSecretMatcher({ secretArn: process.env.CAIRN_OPERATOR_SECRET_ARN || undefined });
  return shared(secret);
}
