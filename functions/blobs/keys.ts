import { tenantPrefix } from './bucket.ts';

/**
 * Object keys. Every key starts with `<tenantId>/`, which is what the tenant-scoped credentials
 * allow in AWS; blob keys are content addresses, so a file stored once serves every run and
 * dataset version of the tenant that holds it.
 */
export const objectKeys = {
  blob: (tenantId: string, sha256: string) => `${tenantPrefix(tenantId)}blobs/sha256/${sha256}`,
  /**
   * Where a multipart upload is assembled, never at its content address: its bytes become the blob
   * only once the verifier has hashed them, and a completion can never overwrite a blob.
   */
  staging: (tenantId: string, stagingId: string) => `${tenantPrefix(tenantId)}staging/${stagingId}`,
} as const;
