import { z } from 'zod';
import { BlobRef, PartUrl, UploadStatus, UploadStatusBody } from '#blobs/schema.ts';
import * as Blobs from '#blobs/store.ts';
import { operation } from '#http/operation.ts';
import {
  AbortUploadBody,
  ArtifactListing,
  ArtifactUrls,
  ArtifactUrlsQuery,
  CompleteUploadBody,
  ListArtifactsQuery,
  LogArtifactsBody,
  PartUrlsBody,
  RunPath,
  StartUploadBody,
  UploadPlan,
} from './schema.ts';
import * as Artifacts from './store.ts';

export const operations = {
  startUpload: operation({
    summary:
      'Declare blobs (sha256, size) to upload: each is present already, gets a presigned PUT (signing its length and SHA-256), a multipart plan, or is being verified from an earlier upload',
    body: StartUploadBody,
    response: z.object({ blobs: z.array(UploadPlan), expiresAt: z.number() }),
    handle: ({ caller, body }) => Blobs.startUploads(caller.tenantId, body),
  }),

  signUploadParts: operation({
    summary:
      "Presigned URLs for parts of an open multipart upload, each signing the part's length and SHA-256 (the rest of them, or fresh ones)",
    body: PartUrlsBody,
    response: z.object({ parts: z.array(PartUrl), expiresAt: z.number() }),
    handle: ({ caller, body }) => Blobs.signParts(caller.tenantId, body.uploadId, body.parts),
  }),

  completeUpload: operation({
    summary:
      'Assemble multipart uploads (then verified: they become blobs once their bytes were hashed) and confirm single-PUT blobs (size and SHA-256) before they are recorded',
    body: CompleteUploadBody,
    response: z.object({ recorded: z.array(BlobRef), verifying: z.array(UploadStatus) }),
    handle: ({ caller, body }) => Blobs.completeUploads(caller.tenantId, body),
  }),

  uploadStatus: operation({
    summary:
      'The state of multipart uploads: open, verifying, verified (the blob is present) or failed (with the reason)',
    body: UploadStatusBody,
    response: z.object({ uploads: z.array(UploadStatus) }),
    handle: async ({ caller, body }) => ({
      uploads: await Blobs.uploadStatuses(caller.tenantId, body.uploadIds),
    }),
  }),

  abortUpload: operation({
    summary: 'Abort an open multipart upload: its parts are discarded, nothing is recorded',
    body: AbortUploadBody,
    response: z.object({}),
    handle: async ({ caller, body }) => {
      await Blobs.abortUpload(caller.tenantId, body.uploadId);
      return {};
    },
  }),

  logArtifacts: operation({
    summary:
      "Log uploaded files (path, sha256, size) under a run's artifact path; nothing is logged unless every blob is held",
    path: RunPath,
    body: LogArtifactsBody,
    status: 201,
    response: z.object({ files: z.number(), totalSize: z.number() }),
    handle: ({ caller, path, body }) => Artifacts.logArtifacts(caller.tenantId, path.runId, body),
  }),

  listArtifacts: operation({
    summary: "One folder of a run's artifact tree (folders with sizes, then files), or every file below it",
    path: RunPath,
    query: ListArtifactsQuery,
    response: ArtifactListing,
    handle: ({ caller, path, query }) => Artifacts.listArtifacts(caller.tenantId, path.runId, query),
  }),

  artifactUrls: operation({
    summary: 'Presigned download URLs for one artifact file or every file below a folder',
    path: RunPath,
    query: ArtifactUrlsQuery,
    response: ArtifactUrls,
    handle: ({ caller, path, query }) => Artifacts.artifactUrls(caller.tenantId, path.runId, query),
  }),
};
