import { expect } from 'vitest';
import type { IsolationCase } from '../isolation-cases.ts';
import type { TestTenant } from '../support/tenants.ts';
import { textFiles, upload } from '../support/uploads.ts';

const MiB = 1024 * 1024;

/** Tenant A's run with one artifact, and a blob A holds. */
async function runWithArtifact(a: TestTenant) {
  const run = (await a.call('POST', '/api/v1/runs', { body: { experimentId: '0' } })).body.run.id as string;
  const { entries } = await upload(a, textFiles({ 'model.pkl': `weights of ${a.id}` }));
  const entry = entries[0]!;
  await a.call('POST', `/api/v1/runs/${run}/artifacts`, { body: { files: entries } });
  const snapshot = async () => ({
    listing: (await a.call('GET', `/api/v1/runs/${run}/artifacts?recursive=true`)).body,
    // Present for A: its own record of the blob is untouched.
    blob: (
      await a.call('POST', '/api/v1/uploads', {
        body: { blobs: [{ sha256: entry.sha256, size: entry.size }] },
      })
    ).body.blobs,
  });
  return { run, entry, snapshot };
}

/** Tenant A's open multipart upload (nothing sent yet). */
async function openUpload(a: TestTenant) {
  const started = await a.call('POST', '/api/v1/uploads', {
    body: { blobs: [{ sha256: 'a'.repeat(64), size: 9 * MiB }], multipartThreshold: 8 * MiB },
  });
  const uploadId = started.body.blobs[0].uploadId as string;
  const snapshot = async () => {
    const parts = await a.call('POST', '/api/v1/uploads/parts', {
      body: {
        uploadId,
        parts: [
          { partNumber: 1, sha256: 'b'.repeat(64) },
          { partNumber: 2, sha256: 'c'.repeat(64) },
        ],
      },
    });
    const status = await a.call('POST', '/api/v1/uploads/status', { body: { uploadIds: [uploadId] } });
    return {
      status: parts.status,
      parts: parts.body.parts.map((p: { partNumber: number; size: number }) => [p.partNumber, p.size]),
      state: status.body.uploads,
    };
  };
  return { uploadId, snapshot };
}

const onRun = (
  suffix: string,
  body?: (entry: { path: string; sha256: string; size: number }) => unknown,
): IsolationCase => ({
  arrange: async (a) => {
    const { run, entry, snapshot } = await runWithArtifact(a);
    return { path: `/api/v1/runs/${run}${suffix}`, body: body?.(entry), snapshot };
  },
  expect: 404,
});

const onUpload = (suffix: string, body: (uploadId: string) => unknown): IsolationCase => ({
  arrange: async (a) => {
    const { uploadId, snapshot } = await openUpload(a);
    return { path: `/api/v1/uploads${suffix}`, body: body(uploadId), snapshot };
  },
  expect: 404,
});

export const artifactCases: Record<string, IsolationCase> = {
  'POST /api/v1/uploads': {
    arrange: async (a) => {
      const { entry, snapshot } = await runWithArtifact(a);
      return {
        path: '/api/v1/uploads',
        body: { blobs: [{ sha256: entry.sha256, size: entry.size }] },
        snapshot,
      };
    },
    // A's copy of the digest does not count for B: B must upload its own, under its own prefix.
    expect: ({ status, body }, a, b) => {
      expect(status).toBe(200);
      expect(body.blobs[0].status).toBe('put');
      expect(new URL(body.blobs[0].request.url).pathname).toContain(`/${b.id}/blobs/sha256/`);
      expect(JSON.stringify(body)).not.toContain(`/${a.id}/`);
    },
  },
  'POST /api/v1/uploads/parts': onUpload('/parts', (uploadId) => ({
    uploadId,
    parts: [{ partNumber: 1, sha256: 'd'.repeat(64) }],
  })),
  'POST /api/v1/uploads/complete': onUpload('/complete', (uploadId) => ({
    multipart: [
      {
        uploadId,
        parts: [
          { partNumber: 1, etag: 'x', sha256: 'e'.repeat(64) },
          { partNumber: 2, etag: 'y', sha256: 'f'.repeat(64) },
        ],
      },
    ],
  })),
  'POST /api/v1/uploads/abort': onUpload('/abort', (uploadId) => ({ uploadId })),
  // Another tenant's upload id is unknown to B: not its state, not even that it exists.
  'POST /api/v1/uploads/status': onUpload('/status', (uploadId) => ({ uploadIds: [uploadId] })),
  'POST /api/v1/runs/{runId}/artifacts': onRun('/artifacts', (entry) => ({
    files: [{ ...entry, path: 'b.pkl' }],
  })),
  'GET /api/v1/runs/{runId}/artifacts': onRun('/artifacts'),
  'GET /api/v1/runs/{runId}/artifacts/urls': onRun('/artifacts/urls?path=model.pkl'),
};
