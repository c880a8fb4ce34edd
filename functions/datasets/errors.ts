/** Error codes the datasets domain throws; their HTTP statuses live in `#http/errors.ts`. */
export type DatasetsErrorCode =
  | 'datasets.not_found'
  | 'datasets.already_exists'
  | 'datasets.version_not_found'
  | 'datasets.tag_not_found'
  | 'datasets.too_large'
  | 'datasets.busy';
