import { z } from 'zod';
import * as Events from '#functions/events/store.ts';
import { offsetPage } from '#functions/search/offset-page.ts';
import { CairnError } from '#http/errors.ts';
import { operation } from '#http/operation.ts';
import {
  ApiKey,
  Caller,
  CreatedApiKey,
  CreateKeyBody,
  CreateTenantBody,
  KeyPath,
  ListKeysQuery,
  Tenant,
  UpdateTenantBody,
} from './schema.ts';
import * as Tenants from './store.ts';

export const operations = {
  createTenant: operation({
    summary: 'Create a tenant and its first admin key (operators only)',
    body: CreateTenantBody,
    status: 201,
    response: z.object({ tenant: Tenant, apiKey: CreatedApiKey }),
    handle: ({ body, caller }) =>
      Tenants.createTenant(
        { id: body.id, name: body.name ?? body.id },
        { name: body.adminKeyName ?? 'admin', createdBy: caller.principal },
      ),
  }),

  getCurrentTenant: operation({
    summary: "The caller's tenant, and who the caller is",
    response: z.object({ tenant: Tenant, caller: Caller }),
    handle: async ({ caller }) => ({
      tenant: await Tenants.getTenant(caller.tenantId),
      caller: { principal: caller.principal, role: caller.role, keyId: caller.keyId },
    }),
  }),

  updateCurrentTenant: operation({
    summary: "Rename the caller's tenant",
    body: UpdateTenantBody,
    response: z.object({ tenant: Tenant }),
    handle: async ({ caller, body }) => ({ tenant: await Tenants.renameTenant(caller.tenantId, body.name) }),
  }),

  listKeys: operation({
    summary: "List the tenant's API keys (never their secrets), oldest first, paged",
    query: ListKeysQuery,
    response: z.object({ keys: z.array(ApiKey), nextPageToken: z.string().optional() }),
    handle: async ({ caller, query }) => {
      const page = offsetPage(await Tenants.listKeys(caller.tenantId), { ...query, query: ['keys'] });
      return { keys: page.items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
    },
  }),

  createKey: operation({
    summary: 'Create an API key; the secret is in this response only',
    body: CreateKeyBody,
    status: 201,
    response: z.object({ apiKey: CreatedApiKey }),
    handle: async ({ caller, body }) => {
      const apiKey = await Tenants.createKey(caller.tenantId, { ...body, createdBy: caller.principal });
      const { secret: _secret, ...shown } = apiKey;
      await Events.record(caller.tenantId, {
        type: 'key.created',
        actor: Events.actorOf(caller),
        resource: `keys/${apiKey.id}`,
        after: shown,
      });
      return { apiKey };
    },
  }),

  revokeKey: operation({
    summary: 'Revoke an API key; it stops working at once',
    path: KeyPath,
    response: z.object({ apiKey: ApiKey }),
    handle: async ({ caller, path }) => {
      // An admin revoking the key in hand could lock the tenant out; use another admin key.
      if (path.keyId === caller.keyId) {
        throw new CairnError(
          'keys.self_revoke',
          'A key cannot revoke itself; revoke it with another admin key',
        );
      }
      const apiKey = await Tenants.revokeKey(caller.tenantId, path.keyId);
      await Events.record(caller.tenantId, {
        type: 'key.revoked',
        actor: Events.actorOf(caller),
        resource: `keys/${apiKey.id}`,
        before: { ...apiKey, revokedAt: null },
        after: apiKey,
      });
      return { apiKey };
    },
  }),
};
