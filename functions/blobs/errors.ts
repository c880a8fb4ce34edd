/** Error codes of the shared blob layer (uploads, confirmation, paths); statuses live in `#http/errors.ts`. */
export type BlobsErrorCode =
  | 'blobs.invalid_path'
  | 'blobs.missing'
  | 'blobs.size_mismatch'
  | 'blobs.checksum_mismatch'
  | 'blobs.conflicting_declarations'
  | 'blobs.upload_not_found'
  | 'blobs.invalid_parts'
  | 'blobs.upload_closed'
  | 'blobs.verifying'
  | 'blobs.too_large';
