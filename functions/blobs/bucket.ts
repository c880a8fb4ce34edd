/**
 * The artifact bucket, as data for both stacks. Browsers upload and download with presigned URLs,
 * and multipart uploads must read each part's ETag.
 */
export const bucketCors = {
  allowedOrigins: ['*'],
  allowedMethods: ['GET', 'PUT', 'HEAD'],
  allowedHeaders: ['*'],
  exposedHeaders: ['ETag'],
  maxAgeSeconds: 3600,
} as const;

/** Every object key starts with the tenant id: IAM and the signer confine a tenant to this prefix. */
export const tenantPrefix = (tenantId: string) => `${tenantId}/`;
