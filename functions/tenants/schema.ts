import { z } from 'zod';
import { roles } from '#functions/routes.ts';
import { tenantIdPattern } from '#table/keys.ts';

/**
 * A DNS-label-like slug: it prefixes every key of the tenant's data, so it must never contain `#`
 * or `/`, and it is lower case so that no tenant partition looks like a key-management one.
 */
export const TenantId = z
  .string()
  .regex(
    tenantIdPattern,
    'must be 3–63 lowercase letters, digits or hyphens, starting and ending with a letter or digit',
  );
export type TenantId = z.infer<typeof TenantId>;

export const KeyId = z
  .string()
  .regex(/^key_[0-9a-f]{16}$/, 'must be an API key id like key_0123456789abcdef');
export type KeyId = z.infer<typeof KeyId>;

export const Role = z.enum(roles);
export type Role = z.infer<typeof Role>;

const DisplayName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

export const Tenant = z.object({ id: TenantId, name: z.string(), createdAt: z.string() });
export type Tenant = z.infer<typeof Tenant>;

export const ApiKey = z.object({
  id: KeyId,
  name: z.string(),
  role: z.enum([...roles, 'operator']),
  /** The first characters of the secret, to recognise a key without revealing it. */
  prefix: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** A key as answered once, at creation: the only time the secret leaves the server. */
export const CreatedApiKey = ApiKey.extend({ secret: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const CreateTenantBody = z.strictObject({
  id: TenantId,
  name: DisplayName.optional(),
  adminKeyName: DisplayName.optional(),
});

export const UpdateTenantBody = z.strictObject({ name: DisplayName });

export const CreateKeyBody = z.strictObject({
  name: DisplayName,
  role: Role.default('reader'),
});

export const KeyPath = z.strictObject({ keyId: KeyId });

/** Keys are never deleted (a revoked key keeps its history), so the list is paged. */
export const ListKeysQuery = z.strictObject({
  maxResults: z.coerce.number().int().min(1).max(1000).default(1000),
  pageToken: z.string().max(2000).optional(),
});

export const Caller = z.object({ principal: z.string(), role: z.string(), keyId: z.string() });
