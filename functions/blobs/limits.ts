/**
 * Transfer limits. S3's own: parts of 5 MiB to 5 GiB, at most 10,000 parts, objects up to 5 TiB.
 * Ours are stricter where it helps: parts of at least 8 MiB (fewer requests, and the SDK's default
 * part size elsewhere), and single PUTs only up to 64 MiB so a failed upload costs little to redo.
 */
const MiB = 1024 * 1024;

export const minPartBytes = 8 * MiB;
export const maxParts = 10_000;
export const maxPartBytes = 5 * 1024 * MiB;
/**
 * The largest blob. A multipart upload becomes a blob only after the upload verifier has hashed
 * all of its bytes, in one Lambda invocation of at most 15 minutes: 50 GiB in about 13 minutes
 * needs a sustained 65 MB/s, which ranged, parallel reads from S3 give a 2 GB function with room to
 * spare. A larger declaration is refused at the start of the upload (S3's own limit, 5 TiB, is
 * far beyond what one invocation can hash); an upload the verifier cannot finish in time fails as
 * `blobs.verification_timeout`, its staged object deleted, and is never adopted.
 */
export const maxBlobBytes = 50 * 1024 * MiB;
/** S3 copies an object in one CopyObject call up to this size; beyond it, part by part. */
export const maxSingleCopyBytes = 5 * 1024 * MiB;
/** Ranged reads the verifier keeps in flight, and their size: the network, not SHA-256, is the limit. */
export const verifyReadConcurrency = 4;
export const verifyReadBytes = 16 * MiB;
/** The verifier stops hashing with this much time left, to fail cleanly rather than be killed. */
export const verifyReserveMs = 90_000;
/**
 * Single-PUT objects confirmed without a full-object checksum from the store (the local emulator
 * reports none) are hashed while the confirming request waits: at most this much per request.
 */
export const maxHashedBytesPerRequest = 2 * 1024 * MiB;
/**
 * An upload still `verifying` this long after its completion lost its verifier (the stream
 * consumer's retries ran out): a new upload of the same blob may start.
 */
export const verifyingAbandonedAfterMs = 2 * 3600_000;
/** Uploads one status request may ask about. */
export const maxStatusUploads = 100;
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
/** HeadObject calls in flight while confirming uploads (and hashes, where the store gives no checksum). */
export const confirmConcurrency = 32;
