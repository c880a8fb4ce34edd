import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { currentTenantScope } from '#table/client.ts';
import { tenantCredentials } from '#table/tenant-credentials.ts';
import { checkObjectCommand, guardClient, type Reach, tenantGuardEnabled } from '#table/tenant-guard.ts';

const Env = z.object({
  CAIRN_BUCKET: z.string().min(1, 'CAIRN_BUCKET must name the artifact bucket'),
  /** S3 emulators serve buckets by path, not by virtual host. */
  CAIRN_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
});

/**
 * Checksums only when an operation requires them. With the SDK's defaults a streamed PUT is sent
 * aws-chunked with a trailing checksum (an emulator stores the framing as the object), and
 * presigned URLs carry a CRC32 computed over an empty body, which real S3 then refuses.
 */
const checksumSettings = {
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
} as const;

/**
 * An S3 client; where the tenant guard is on (local stack, tests), it refuses every command and
 * every presigned URL whose key leaves what `reach()` allows, as IAM would on AWS.
 */
function s3Client(config: S3ClientConfig, reach: () => Reach): S3Client {
  const s3 = new S3Client({ ...checksumSettings, ...config });
  if (tenantGuardEnabled()) guardClient(s3, (command, input) => checkObjectCommand(reach(), command, input));
  return s3;
}

/**
 * The tenant of the current request (`withTenantScope`), and only while it is the one the client
 * is for: tenant work happens inside its tenant's scope, and a handler mixing tenants is a bug.
 */
function scopeReach(tenantId?: string): () => Reach {
  return () => {
    const scope = currentTenantScope();
    return scope && (tenantId === undefined || scope === tenantId)
      ? { kind: 'tenant', tenantId: scope }
      : { kind: 'none' };
  };
}

let cached: { bucket: string; forcePathStyle: boolean; s3: S3Client } | undefined;
const byCredentials = new WeakMap<object, S3Client>();
let maintenance: S3Client | undefined;

function base() {
  if (!cached) {
    const env = Env.parse(process.env);
    const forcePathStyle = env.CAIRN_S3_FORCE_PATH_STYLE === 'true';
    cached = { bucket: env.CAIRN_BUCKET, forcePathStyle, s3: s3Client({ forcePathStyle }, scopeReach()) };
  }
  return cached;
}

/**
 * The bucket and an S3 client for one tenant, built once per cold start. Where the stack provides
 * a tenant-scoped role, the client signs with that tenant's credentials, so that even a bug here
 * cannot reach, or presign a URL for, another tenant's prefix; elsewhere (local stack, tests) it
 * uses the default credentials. `validForMs` keeps those credentials alive as long as a URL must.
 * The endpoint comes from the SDK's own `AWS_ENDPOINT_URL_S3`.
 */
export async function bucketFor(tenantId: string, validForMs = 0): Promise<{ bucket: string; s3: S3Client }> {
  const { bucket, forcePathStyle, s3 } = base();
  const credentials = await tenantCredentials(tenantId, { validForMs });
  if (!credentials) return { bucket, s3 };
  let scoped = byCredentials.get(credentials);
  if (!scoped) {
    scoped = s3Client({ forcePathStyle, credentials }, scopeReach(tenantId));
    byCredentials.set(credentials, scoped);
  }
  return { bucket, s3: scoped };
}

/**
 * The whole bucket, for the local stack's upload sweep, which stands in for the bucket's lifecycle
 * rule. No deployed function has a grant for it: on AWS it is refused.
 */
export function localMaintenanceBucket(): { bucket: string; s3: S3Client } {
  const { bucket, forcePathStyle } = base();
  maintenance ??= s3Client({ forcePathStyle }, () => ({ kind: 'maintenance' }));
  return { bucket, s3: maintenance };
}
