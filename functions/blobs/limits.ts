/**
 * Transfer limits. S3's own: parts of 5 MiB to 5 GiB, at most 10,000 parts, objects up to 5 TiB.
 * Ours are stricter where it helps: parts of at least 8 MiB (fewer requests, and the SDK's default
 * part size elsewhere), and single PUTs only up to 64 MiB so a failed upload costs little to redo.
 */
const MiB = 1024 * 1024;

export const minPartBytes = 8 * MiB;
export const maxParts = 10_000;
export const maxPartBytes = 5 * 1024 * MiB;
export const maxObjectBytes = 5 * 1024 * 1024 * MiB;
/** Above this a blob is uploaded in parts; a client may ask for a lower threshold, never under a part. */
export const singlePutMaxBytes = 64 * MiB;
/** How long a presigned URL lives. The ceiling is 15 minutes. */
export const maxUrlSeconds = 15 * 60;
/** Blobs one upload request may declare: keeps the answer (one URL each) far below Lambda's 6 MB. */
export const maxBlobsPerRequest = 1000;
/** Part URLs one answer carries; a client asks for the rest (or fresh ones) by part number. */
export const maxPartUrlsPerAnswer = 1000;
/** Artifact and dataset paths: S3's key limit, though paths never become keys (blobs are by digest). */
export const maxPathBytes = 1024;
export const maxPathSegmentBytes = 255;
/** HeadObject calls in flight while confirming uploads. */
export const confirmConcurrency = 32;
