import { request } from './transport';
import type { Role, Session } from './types';
import type { WireCaller, WireTenant } from './wire';

const roles: readonly string[] = ['reader', 'writer', 'admin'];

/** Who the key belongs to; also how sign-in checks a key before keeping it. */
export async function getSession(options: { apiKey?: string; signal?: AbortSignal } = {}): Promise<Session> {
  const answer = await request<{ tenant: WireTenant; caller: WireCaller }>('GET', '/tenant', options);
  return {
    tenant: { id: answer.tenant.id, name: answer.tenant.name },
    principal: answer.caller.principal,
    // An unknown role (say, a newer server's) gets the least power, never more.
    role: (roles.includes(answer.caller.role) ? answer.caller.role : 'reader') as Role,
    keyId: answer.caller.keyId,
  };
}
