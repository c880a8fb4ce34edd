/** Error codes the logged-models store throws; their HTTP statuses live in `#http/errors.ts`. */
export type LoggedModelsErrorCode =
  | 'logged_models.not_found'
  | 'logged_models.tag_not_found'
  | 'logged_models.too_large'
  | 'logged_models.busy';
