import { tenantPrefix } from './bucket.ts';

/**
 * Object keys. Every key starts with `<tenantId>/`, which is what the tenant-scoped credentials
 * allow in AWS; blob keys are content addresses, so a file stored once serves every run and
 * dataset version of the tenant that holds it.
 */
export const objectKeys = {
  blob: (tenantId: string, sha256: string) => `${tenantPrefix(tenantId)}blobs/sha256/${sha256}`,
} as const;
