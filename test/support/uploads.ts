import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { TestTenant } from './tenants.ts';

export interface LocalFile {
  path: string;
  bytes: Uint8Array<ArrayBuffer>;
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export const entryOf = (file: LocalFile) => ({
  path: file.path,
  sha256: sha256(file.bytes),
  size: file.bytes.length,
});

/** Text files, for tests that only care about paths and contents. */
export const textFiles = (files: Record<string, string>): LocalFile[] =>
  Object.entries(files).map(([path, text]) => ({ path, bytes: new TextEncoder().encode(text) }));

/**
 * Uploads files as the SDK does, over real presigned URLs: declare, PUT what is missing (or send
 * its parts), complete the multipart ones. Returns the plan statuses, for tests that count what
 * was sent.
 */
export async function upload(
  tenant: TestTenant,
  files: readonly LocalFile[],
  options: { multipartThreshold?: number } = {},
): Promise<{ statuses: Record<string, string>; entries: ReturnType<typeof entryOf>[] }> {
  const entries = files.map(entryOf);
  const started = await tenant.call('POST', '/api/v1/uploads', {
    body: { blobs: entries.map(({ sha256, size }) => ({ sha256, size })), ...options },
  });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const bytesOf = new Map(files.map((file) => [sha256(file.bytes), file.bytes]));
  const statuses: Record<string, string> = {};
  const multipart = [];
  for (const plan of started.body.blobs) {
    statuses[plan.sha256] = plan.status;
    const bytes = bytesOf.get(plan.sha256)!;
    if (plan.status === 'put') {
      const put = await fetch(plan.request.url, {
        method: 'PUT',
        headers: plan.request.headers,
        body: bytes,
      });
      expect(put.status).toBe(200);
    } else if (plan.status === 'multipart') {
      const parts = [];
      for (const part of plan.parts) {
        const offset = (part.partNumber - 1) * plan.partSize;
        const put = await fetch(part.url, {
          method: 'PUT',
          body: bytes.subarray(offset, offset + part.size),
        });
        expect(put.status).toBe(200);
        parts.push({ partNumber: part.partNumber, etag: put.headers.get('etag')! });
      }
      multipart.push({ uploadId: plan.uploadId, parts });
    }
  }
  if (multipart.length) {
    const completed = await tenant.call('POST', '/api/v1/uploads/complete', { body: { multipart } });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
  }
  return { statuses, entries };
}
