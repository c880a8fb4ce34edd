/** Error codes the models domain (registry) throws; their HTTP statuses live in `#http/errors.ts`. */
export type ModelsErrorCode =
  | 'models.not_found'
  | 'models.already_exists'
  | 'models.version_not_found'
  | 'models.alias_not_found'
  | 'models.reserved_alias'
  | 'models.alias_protected'
  | 'models.artifact_not_found'
  | 'models.too_many_files'
  | 'models.invalid_ref'
  | 'models.too_large'
  | 'models.busy';
