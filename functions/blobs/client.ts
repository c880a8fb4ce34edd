import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { tenantCredentials } from '#table/tenant-credentials.ts';

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

let cached: { bucket: string; forcePathStyle: boolean; s3: S3Client } | undefined;
const byCredentials = new WeakMap<object, S3Client>();

function base() {
  if (!cached) {
    const env = Env.parse(process.env);
    const forcePathStyle = env.CAIRN_S3_FORCE_PATH_STYLE === 'true';
    cached = {
      bucket: env.CAIRN_BUCKET,
      forcePathStyle,
      s3: new S3Client({ ...checksumSettings, forcePathStyle }),
    };
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
    scoped = new S3Client({ ...checksumSettings, forcePathStyle, credentials });
    byCredentials.set(credentials, scoped);
  }
  return { bucket, s3: scoped };
}

/** The S3 client with the functions' own credentials, for work outside any tenant (the upload sweep). */
export function operatorBucket(): { bucket: string; s3: S3Client } {
  const { bucket, s3 } = base();
  return { bucket, s3 };
}
