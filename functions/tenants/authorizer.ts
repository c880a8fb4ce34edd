import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import type { AuthContext } from '#http/caller.ts';
import { operatorKeyMatches } from './operator-secret.ts';
import { hashSecret, secretPattern } from './secrets.ts';
import * as Tenants from './store.ts';

/** A key's last-used time is written at most this often, per key and per warm container. */
const touchIntervalMs = 5 * 60 * 1000;
const lastTouched = new Map<string, number>();
/** Keys remembered per container; beyond this the oldest are forgotten (and touched again once). */
const maxTouchedKeys = 10_000;

/**
 * Records when a key was last used: bookkeeping, never a reason to refuse a valid key. At most one
 * conditional write per key per `touchIntervalMs` per warm container (a busy key costs one write
 * every few minutes, not one per request); a failure (throttling, anything) is logged and the
 * request goes on. It is awaited so that a frozen container never holds a half-sent write.
 */
async function touch(key: Tenants.KeyLookup): Promise<void> {
  const now = Date.now();
  if (!key.tenantId || now - (lastTouched.get(key.keyId) ?? 0) <= touchIntervalMs) return;
  lastTouched.set(key.keyId, now);
  if (lastTouched.size > maxTouchedKeys) lastTouched.delete(lastTouched.keys().next().value as string);
  try {
    await Tenants.touchKey(
      key.tenantId,
      key.keyId,
      new Date(now).toISOString(),
      new Date(now - touchIntervalMs).toISOString(),
    );
  } catch (error) {
    console.warn(
      JSON.stringify({
        level: 'warn',
        message: 'last-used time not recorded',
        keyId: key.keyId,
        error: (error as Error).name ?? String(error),
      }),
    );
  }
}

type Result = APIGatewaySimpleAuthorizerWithContextResult<AuthContext>;

const refuse = (
  authError: Extract<AuthContext, { authError: string }>['authError'],
  authMessage: string,
): Result => ({
  isAuthorized: true,
  context: { authError, authMessage },
});

/** `Bearer <key>`, or HTTP Basic with the key as the password (MLflow's username/password mode). */
function presentedSecret(header: string): string | undefined {
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  return undefined;
}

/**
 * The API Gateway HTTP API Lambda authorizer (REQUEST, simple responses). It resolves the bearer
 * key to `{ tenantId, principal, role }`, the only place a tenant id ever comes from. Bad keys are
 * passed on as `authError` so that the function answers with our JSON 401; see `#http/caller.ts`.
 */
export async function handler(event: APIGatewayRequestAuthorizerEventV2): Promise<Result> {
  const header = event.headers?.authorization;
  if (!header)
    return refuse('auth.missing_key', 'This route needs an API key: send "Authorization: Bearer <key>"');
  const secret = presentedSecret(header);
  if (secret === undefined || !secretPattern.test(secret)) {
    return refuse(
      'auth.malformed_key',
      'The Authorization header must be "Bearer cairn_…" with a Cairn API key',
    );
  }
  const key = await Tenants.findKeyByHash(hashSecret(secret));
  if (!key) {
    // The AWS stack's first operator key lives in Secrets Manager, not in the table.
    if (await operatorKeyMatches(secret)) {
      return {
        isAuthorized: true,
        context: {
          tenantId: '',
          principal: 'operator (deploy secret)',
          role: 'operator',
          keyId: 'operator-secret',
        },
      };
    }
    return refuse('auth.invalid_key', 'This API key is unknown or has been revoked');
  }

  await touch(key);
  return {
    isAuthorized: true,
    context: { tenantId: key.tenantId, principal: key.name, role: key.role, keyId: key.keyId },
  };
}
