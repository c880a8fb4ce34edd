/**
 * Every partition and sort key the table uses. A tenant id is always the first segment of a
 * partition key (and of every index partition key), which is what lets IAM's `dynamodb:LeadingKeys`
 * confine a tenant's credentials. The one exception is the API-key lookup, read by the authorizer
 * before it knows the tenant.
 */

export interface Key {
  pk: string;
  sk: string;
}

const tenantPrefix = (tenantId: string) => `${tenantId}#`;

export const keys = {
  tenant: (tenantId: string): Key => ({ pk: `${tenantPrefix(tenantId)}TENANT`, sk: 'TENANT' }),
  apiKeysOf: (tenantId: string) => `${tenantPrefix(tenantId)}KEYS`,
  apiKey: (tenantId: string, keyId: string): Key => ({ pk: `${tenantPrefix(tenantId)}KEYS`, sk: `KEY#${keyId}` }),
  /** Outside every tenant: the authorizer finds a key's tenant from its hash. */
  apiKeyHash: (hash: string): Key => ({ pk: `KEYHASH#${hash}`, sk: 'KEYHASH' }),
} as const;

/** The sort-key prefix shared by every API key item of a tenant. */
export const apiKeySortPrefix = 'KEY#';
