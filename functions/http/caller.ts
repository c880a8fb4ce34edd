import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import type { TenantRole } from '#functions/routes.ts';
import { CairnError, type ErrorCode } from './errors.ts';

/** Who is calling, as the authorizer established it. The only source of a tenant id. */
export interface Caller {
  /** Empty for operators, who act outside any tenant. */
  tenantId: string;
  principal: string;
  role: TenantRole | 'operator' | 'anonymous';
  keyId: string;
}

/**
 * The context our Lambda authorizer returns (simple responses). A request with a bad key is let
 * through with `authError` set, so that the function renders our JSON 401 rather than API Gateway's
 * bare 403; the edge refuses it before any handler runs.
 */
export type AuthContext =
  | { tenantId: string; principal: string; role: TenantRole | 'operator'; keyId: string }
  | { authError: 'auth.missing_key' | 'auth.malformed_key' | 'auth.invalid_key'; authMessage: string };

export type AuthorizedEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthContext>;

/** The caller of a non-public route, or the auth error its key earned. */
export function callerOf(event: AuthorizedEvent): Caller {
  const context = event.requestContext.authorizer?.lambda;
  if (!context)
    throw new CairnError(
      'auth.missing_key',
      'This route needs an API key: send "Authorization: Bearer <key>"',
    );
  if ('authError' in context) throw new CairnError(context.authError as ErrorCode, context.authMessage);
  return {
    tenantId: context.tenantId,
    principal: context.principal,
    role: context.role,
    keyId: context.keyId,
  };
}

/** Public routes have no caller; this placeholder has no tenant and no role. */
export const anonymous: Caller = Object.freeze({
  tenantId: '',
  principal: 'anonymous',
  role: 'anonymous',
  keyId: '',
});
