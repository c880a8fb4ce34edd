/** Error codes the artifacts domain throws; their HTTP statuses live in `#http/errors.ts`. */
export type ArtifactsErrorCode = 'artifacts.not_found';
