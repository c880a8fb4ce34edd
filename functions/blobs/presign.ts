import { GetObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { bucketFor } from './client.ts';
import { objectKeys } from './keys.ts';
import { maxUrlSeconds } from './limits.ts';

/** A presigned request: the client sends exactly these headers, and a body of exactly the declared size. */
export interface SignedRequest {
  method: 'PUT' | 'GET';
  url: string;
  headers: Record<string, string>;
}

/** Hex digest → the base64 form S3's checksum headers carry. */
export const sha256Base64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

function lifetime(expiresInSeconds: number | undefined): number {
  return Math.min(maxUrlSeconds, Math.max(1, expiresInSeconds ?? maxUrlSeconds));
}

/**
 * A PUT of one whole blob. The signature covers the content length and the SHA-256 checksum
 * header, so S3 stores exactly the declared bytes or refuses them (`BadDigest`). The checksum
 * header must stay a header (not a query parameter), which is what S3 verifies the body against.
 */
export async function presignPut(
  tenantId: string,
  blob: { sha256: string; size: number },
  expiresInSeconds?: number,
): Promise<SignedRequest> {
  const seconds = lifetime(expiresInSeconds);
  const { bucket, s3 } = await bucketFor(tenantId, seconds * 1000);
  const checksum = sha256Base64(blob.sha256);
  const url = await getSignedUrl(
    s3,
    new PutObjectCommand({
      Bucket: bucket,
      Key: objectKeys.blob(tenantId, blob.sha256),
      ContentLength: blob.size,
      ChecksumSHA256: checksum,
    }),
    {
      expiresIn: seconds,
      signableHeaders: new Set(['content-length', 'x-amz-checksum-sha256']),
      unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
    },
  );
  return { method: 'PUT', url, headers: { 'x-amz-checksum-sha256': checksum } };
}

/**
 * A PUT of one part of a multipart upload, to its staging key. The length is signed, and so is
 * the part's SHA-256 checksum header (when the client gave one), which S3 checks the part's bytes
 * against: a part corrupted on its way is refused at once (`BadDigest`) rather than found by the
 * verifier after the whole upload. What a client claims for its parts proves nothing about the
 * blob, though: the verifier's hash of the whole object is what a content address rests on.
 */
export async function presignPart(
  tenantId: string,
  part: { objectKey: string; uploadId: string; partNumber: number; size: number; sha256?: string },
  expiresInSeconds?: number,
): Promise<SignedRequest> {
  const seconds = lifetime(expiresInSeconds);
  const { bucket, s3 } = await bucketFor(tenantId, seconds * 1000);
  const checksum = part.sha256 ? sha256Base64(part.sha256) : undefined;
  const url = await getSignedUrl(
    s3,
    new UploadPartCommand({
      Bucket: bucket,
      Key: part.objectKey,
      UploadId: part.uploadId,
      PartNumber: part.partNumber,
      ContentLength: part.size,
      ChecksumSHA256: checksum,
    }),
    checksum
      ? {
          expiresIn: seconds,
          signableHeaders: new Set(['content-length', 'x-amz-checksum-sha256']),
          unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
        }
      : { expiresIn: seconds, signableHeaders: new Set(['content-length']) },
  );
  return { method: 'PUT', url, headers: checksum ? { 'x-amz-checksum-sha256': checksum } : {} };
}

/** `attachment` with the file's name, plain where it is ASCII and RFC 5987-encoded for the rest. */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * An upper bound on the length of `presignGet`'s URL for `fileName`, for sizing pages of URLs
 * before signing them: endpoint, key, signature and a session token (about 1.5 KB with tenant
 * credentials), and the disposition, whose name is percent-encoded up to 3× and the whole again
 * as a query parameter.
 */
export function presignedGetBytes(fileName: string): number {
  return 3072 + 12 * Buffer.byteLength(fileName);
}

/** A GET of one blob that a browser saves under `fileName`. */
export async function presignGet(
  tenantId: string,
  blob: { sha256: string; fileName: string },
  expiresInSeconds?: number,
): Promise<SignedRequest> {
  const seconds = lifetime(expiresInSeconds);
  const { bucket, s3 } = await bucketFor(tenantId, seconds * 1000);
  const url = await getSignedUrl(
    s3,
    new GetObjectCommand({
      Bucket: bucket,
      Key: objectKeys.blob(tenantId, blob.sha256),
      ResponseContentDisposition: attachmentDisposition(blob.fileName),
    }),
    { expiresIn: seconds },
  );
  return { method: 'GET', url, headers: {} };
}
