/** Error codes the MLflow adapter throws; their HTTP statuses live in `#http/errors.ts`. */
export type MlflowAdapterErrorCode = 'mlflow.multipart_unsupported' | 'mlflow.unsupported_artifact_path';
