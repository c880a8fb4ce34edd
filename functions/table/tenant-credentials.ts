// Types only: STS is loaded on the first tenant credentials a function asks for, so functions
// that never assume the tenant role (the authorizer) do not pay for it at cold start.
import type { AssumeRoleCommandOutput, STSClient } from '@aws-sdk/client-sts';

/**
 * The session tag IAM reads as `${aws:PrincipalTag/tenant}`: the tenant-scoped role's policy allows
 * only partition keys starting `<tenantId>#` and object keys under `<tenantId>/` (see the AWS stack).
 */
export const tenantSessionTag = 'tenant';

/** Temporary credentials, in the shape every AWS SDK v3 client accepts as `credentials`. */
export interface TenantCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface CredentialRequest {
  /**
   * How long the credentials must stay valid from now. A presigned URL dies with the credentials
   * that signed it, so a signer asks for the URL's lifetime.
   */
  validForMs?: number;
}

/** Role chaining (the function's role assuming this one) caps a session at one hour. */
export const sessionSeconds = 3600;
/** Credentials are renewed this long before they expire, so no request starts with dying ones. */
export const renewBeforeMs = 60_000;
/** A warm function rarely serves many tenants; beyond this, the least recently fetched go. */
const maxCachedTenants = 500;

export interface TenantCredentialsOptions {
  /** The tenant-scoped role; without it there are no tenant credentials (local stack, tests). */
  roleArn: string | undefined;
  sts?: Pick<STSClient, 'send'>;
  now?: () => number;
}

export type TenantCredentialsSource = (
  tenantId: string,
  request?: CredentialRequest,
) => Promise<TenantCredentials | undefined>;

/**
 * Builds the per-tenant credential source: STS AssumeRole with the session tag `tenant=<tenantId>`,
 * cached per tenant until `renewBeforeMs` before expiry. Concurrent calls for one tenant share one
 * STS call; a failed call is not cached. Without a role ARN it answers `undefined`, and callers use
 * the default credentials.
 */
export function tenantCredentialsSource(options: TenantCredentialsOptions): TenantCredentialsSource {
  const { roleArn } = options;
  const now = options.now ?? Date.now;
  const cache = new Map<string, Promise<TenantCredentials>>();
  let sts = options.sts;

  async function assume(tenantId: string): Promise<TenantCredentials> {
    const { AssumeRoleCommand, STSClient } = await import('@aws-sdk/client-sts');
    sts ??= new STSClient({});
    const answer: AssumeRoleCommandOutput = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        // Shows in CloudTrail as assumed-role/<role>/<tenant>; tenant ids fit the 64-character limit.
        RoleSessionName: tenantId,
        DurationSeconds: sessionSeconds,
        Tags: [{ Key: tenantSessionTag, Value: tenantId }],
      }),
    );
    const credentials = answer.Credentials;
    if (
      !credentials?.AccessKeyId ||
      !credentials.SecretAccessKey ||
      !credentials.SessionToken ||
      !credentials.Expiration
    ) {
      throw new Error(`STS AssumeRole for tenant ${tenantId} returned no credentials`);
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: new Date(credentials.Expiration),
    };
  }

  return async (tenantId, request = {}) => {
    if (!roleArn) return undefined;
    // An empty tenant is an operator, who acts outside every tenant and has no tenant credentials.
    if (!tenantId) throw new Error('Tenant credentials need a tenant id');
    const needMs = Math.max(renewBeforeMs, request.validForMs ?? 0);
    if (needMs > sessionSeconds * 1000 - renewBeforeMs) {
      throw new RangeError(
        `Tenant credentials last at most ${sessionSeconds} s; ${needMs} ms were asked for`,
      );
    }
    const cached = cache.get(tenantId);
    if (cached) {
      const credentials = await cached.catch(() => undefined);
      if (credentials && credentials.expiration.getTime() - now() > needMs) return credentials;
    }
    // Callers that found the same stale entry share the one renewal the first of them started.
    const current = cache.get(tenantId);
    if (current && current !== cached) return current;
    return assumeAndCache(tenantId);
  };

  function assumeAndCache(tenantId: string): Promise<TenantCredentials> {
    const pending = assume(tenantId);
    cache.delete(tenantId);
    cache.set(tenantId, pending);
    if (cache.size > maxCachedTenants) cache.delete(cache.keys().next().value as string);
    pending.catch(() => {
      if (cache.get(tenantId) === pending) cache.delete(tenantId);
    });
    return pending;
  }
}

let shared: TenantCredentialsSource | undefined;

/**
 * Credentials confined to one tenant, for the functions' DynamoDB and S3 clients and URL signer;
 * `undefined` where `CAIRN_TENANT_ROLE_ARN` is unset, so the default credentials apply.
 *
 * @example
 * const credentials = await tenantCredentials(caller.tenantId, { validForMs: 15 * 60_000 });
 */
export function tenantCredentials(
  tenantId: string,
  request?: CredentialRequest,
): Promise<TenantCredentials | undefined> {
  shared ??= tenantCredentialsSource({ roleArn: process.env.CAIRN_TENANT_ROLE_ARN || undefined });
  return shared(tenantId, request);
}
