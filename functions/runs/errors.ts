/** Error codes the runs domain throws; their HTTP statuses live in `#http/errors.ts`. */
export type RunsErrorCode =
  | 'runs.not_found'
  | 'runs.not_active'
  | 'runs.param_conflict'
  | 'runs.tag_not_found'
  | 'runs.too_large'
  | 'runs.busy';
