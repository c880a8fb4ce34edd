/** Error codes the experiments domain throws; their HTTP statuses live in `#http/errors.ts`. */
export type ExperimentsErrorCode =
  | 'experiments.not_found'
  | 'experiments.already_exists'
  | 'experiments.not_active'
  | 'experiments.default_protected'
  | 'experiments.tag_not_found'
  | 'experiments.too_large'
  | 'experiments.busy';
