/** Error codes the tenants domain throws; their HTTP statuses live in `#http/errors.ts`. */
export type TenantsErrorCode =
  | 'tenants.not_found'
  | 'tenants.already_exists'
  | 'tenants.busy'
  | 'keys.not_found'
  | 'keys.already_revoked'
  | 'keys.self_revoke';
