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

/** Polls the state of multipart uploads until none is `verifying` (or the time is up). */
export async function untilVerified(
  tenant: TestTenant,
  uploadIds: readonly string[],
  timeoutMs = 30_000,
): Promise<{ uploadId: string; state: string; error?: { code: string; message: string } }[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await tenant.call('POST', '/api/v1/uploads/status', { body: { uploadIds } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const uploads = answer.body.uploads;
    if (uploads.every((u: { state: string }) => u.state !== 'verifying') || Date.now() > deadline)
      return uploads;
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

/**
 * Sends the parts of a multipart plan over real presigned URLs, each URL signing the SHA-256 of
 * the bytes sent (pass `bytes` other than the declared blob's to upload something else), and
 * answers what complete takes.
 */
export async function sendParts(
  tenant: TestTenant,
  plan: { uploadId: string; partSize: number; partCount: number },
  bytes: Uint8Array,
): Promise<{ partNumber: number; etag: string; sha256: string }[]> {
  const slices = Array.from({ length: plan.partCount }, (_, i) =>
    bytes.subarray(i * plan.partSize, (i + 1) * plan.partSize),
  );
  const signed = await tenant.call('POST', '/api/v1/uploads/parts', {
    body: {
      uploadId: plan.uploadId,
      parts: slices.map((slice, i) => ({ partNumber: i + 1, sha256: sha256(slice) })),
    },
  });
  expect(signed.status, JSON.stringify(signed.body)).toBe(200);
  const parts = [];
  for (const part of signed.body.parts) {
    const slice = slices[part.partNumber - 1]!;
    const put = await fetch(part.url, {
      method: 'PUT',
      headers: part.headers,
      body: slice as Uint8Array<ArrayBuffer>,
    });
    expect(put.status).toBe(200);
    parts.push({ partNumber: part.partNumber, etag: put.headers.get('etag')!, sha256: sha256(slice) });
  }
  return parts;
}

/**
 * Uploads files as the SDK does, over real presigned URLs: declare, PUT what is missing (or send
 * its parts, each with its signed SHA-256), complete the multipart ones and wait until they are
 * verified. Returns the plan statuses, for tests that count what was sent.
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
  const waiting: string[] = [];
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
      multipart.push({ uploadId: plan.uploadId, parts: await sendParts(tenant, plan, bytes) });
    } else if (plan.status === 'verifying') {
      waiting.push(plan.uploadId);
    }
  }
  if (multipart.length) {
    const completed = await tenant.call('POST', '/api/v1/uploads/complete', { body: { multipart } });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    waiting.push(...multipart.map((m) => m.uploadId));
  }
  if (waiting.length) {
    const verified = await untilVerified(tenant, waiting);
    expect(verified.map((u) => u.state)).toEqual(waiting.map(() => 'verified'));
  }
  return { statuses, entries };
}
