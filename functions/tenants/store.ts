import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CairnError } from '#http/errors.ts';
import { isConditionFailure, serviceTable, table } from '#table/client.ts';
import { apiKeySortPrefix, keys } from '#table/keys.ts';
import { transactWrite } from '#table/transact.ts';
import type { ApiKey, CreatedApiKey, Role, Tenant } from './schema.ts';
import { displayPrefix, hashSecret, newKeyId, newSecret } from './secrets.ts';

/** What the authorizer learns from a key's hash: enough to build the caller, nothing secret. */
export interface KeyLookup {
  tenantId: string;
  keyId: string;
  name: string;
  role: Role | 'operator';
}

interface KeyItem extends ApiKey {
  tenantId: string;
  hash: string;
}

const asApiKey = ({
  id,
  name,
  role,
  prefix,
  createdAt,
  createdBy,
  lastUsedAt,
  revokedAt,
}: KeyItem): ApiKey => ({
  id,
  name,
  role,
  prefix,
  createdAt,
  createdBy,
  lastUsedAt: lastUsedAt ?? null,
  revokedAt: revokedAt ?? null,
});

const notExists = 'attribute_not_exists(pk)';

function mintKey(
  tenantId: string,
  input: { name: string; role: Role | 'operator'; createdBy: string },
  now: string,
) {
  const secret = newSecret();
  const item: KeyItem = {
    tenantId,
    id: newKeyId(),
    name: input.name,
    role: input.role,
    prefix: displayPrefix(secret),
    createdAt: now,
    createdBy: input.createdBy,
    lastUsedAt: null,
    revokedAt: null,
    hash: hashSecret(secret),
  };
  const lookup: KeyLookup & { pk: string; sk: string } = {
    ...keys.apiKeyHash(item.hash),
    tenantId,
    keyId: item.id,
    name: item.name,
    role: item.role,
  };
  return { secret, item, lookup };
}

const busy = (tenantId: string) =>
  new CairnError('tenants.busy', `Tenant ${tenantId} is being changed by many clients at once; retry`, {
    tenantId,
  });

// Key management writes the API-key hash lookups, which sit outside every tenant's prefix: those
// functions use the function's own access (`serviceTable`), the rest the tenant-scoped `table()`.

/**
 * Creates a tenant and its first admin key in one transaction: either both exist afterwards or
 * neither does.
 */
export async function createTenant(
  tenant: { id: string; name: string },
  firstKey: { name: string; createdBy: string },
): Promise<{ tenant: Tenant; apiKey: CreatedApiKey }> {
  const { name } = serviceTable();
  const now = new Date().toISOString();
  const record: Tenant = { id: tenant.id, name: tenant.name, createdAt: now };
  const { secret, item, lookup } = mintKey(tenant.id, { ...firstKey, role: 'admin' }, now);
  await transactWrite(
    () => ({
      items: [
        {
          Put: {
            TableName: name,
            Item: { ...keys.tenant(tenant.id), ...record },
            ConditionExpression: notExists,
          },
        },
        {
          Put: {
            TableName: name,
            Item: { ...keys.apiKey(tenant.id, item.id), ...item },
            ConditionExpression: notExists,
          },
        },
        { Put: { TableName: name, Item: lookup, ConditionExpression: notExists } },
      ],
      result: undefined,
      // The key's id and hash are fresh random values: only the tenant's own id can be taken.
      onConditionFailed: (index) =>
        index === 0
          ? new CairnError('tenants.already_exists', `Tenant ${tenant.id} already exists`, {
              tenantId: tenant.id,
            })
          : undefined,
    }),
    { busy: () => busy(tenant.id), via: serviceTable() },
  );
  return { tenant: record, apiKey: { ...asApiKey(item), secret } };
}

/** The tenant item (key `tenant`). */
export async function getTenant(tenantId: string): Promise<Tenant> {
  const { name, doc } = table();
  const { Item } = await doc.send(new GetCommand({ TableName: name, Key: keys.tenant(tenantId) }));
  if (!Item) throw new CairnError('tenants.not_found', `Tenant ${tenantId} does not exist`);
  return { id: Item.id, name: Item.name, createdAt: Item.createdAt };
}

export async function renameTenant(tenantId: string, newName: string): Promise<Tenant> {
  const { name, doc } = table();
  try {
    const { Attributes } = await doc.send(
      new UpdateCommand({
        TableName: name,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'SET #name = :name',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: { ':name': newName },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { id: Attributes?.id, name: Attributes?.name, createdAt: Attributes?.createdAt };
  } catch (error) {
    if (isConditionFailure(error))
      throw new CairnError('tenants.not_found', `Tenant ${tenantId} does not exist`);
    throw error;
  }
}

/** Adds a key to a tenant: the key item and its hash lookup are written together. */
export async function createKey(
  tenantId: string,
  input: { name: string; role: Role; createdBy: string },
): Promise<CreatedApiKey> {
  const { name } = serviceTable();
  const { secret, item, lookup } = mintKey(tenantId, input, new Date().toISOString());
  await transactWrite(
    () => ({
      items: [
        // The tenant must still exist: a key for a missing tenant would be an orphan.
        {
          ConditionCheck: {
            TableName: name,
            Key: keys.tenant(tenantId),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        {
          Put: {
            TableName: name,
            Item: { ...keys.apiKey(tenantId, item.id), ...item },
            ConditionExpression: notExists,
          },
        },
        { Put: { TableName: name, Item: lookup, ConditionExpression: notExists } },
      ],
      result: undefined,
      onConditionFailed: (index) =>
        index === 0 ? new CairnError('tenants.not_found', `Tenant ${tenantId} does not exist`) : undefined,
    }),
    { busy: () => busy(tenantId), via: serviceTable() },
  );
  return { ...asApiKey(item), secret };
}

/**
 * Operators act outside tenants, so an operator key is only a hash lookup item: there is no
 * tenant partition to list it in.
 */
export async function createOperatorKey(keyName: string): Promise<{ keyId: string; secret: string }> {
  const { name } = serviceTable();
  const { secret, lookup } = mintKey(
    '',
    { name: keyName, role: 'operator', createdBy: 'bootstrap' },
    new Date().toISOString(),
  );
  await transactWrite(
    () => ({
      items: [{ Put: { TableName: name, Item: lookup, ConditionExpression: notExists } }],
      result: undefined,
    }),
    { busy: () => busy('operator'), via: serviceTable() },
  );
  return { keyId: lookup.keyId, secret };
}

/** Every key of a tenant, revoked ones included (partition `apiKeysOf`). */
export async function listKeys(tenantId: string): Promise<ApiKey[]> {
  const { name, doc } = table();
  const found: ApiKey[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.apiKeysOf(tenantId), ':prefix': apiKeySortPrefix },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) found.push(asApiKey(item as KeyItem));
    start = page.LastEvaluatedKey;
  } while (start);
  return found.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * Revokes a key: the key item keeps its history (`revokedAt`), and the hash lookup is deleted in
 * the same transaction, so the authorizer stops accepting it at once.
 */
export async function revokeKey(tenantId: string, keyId: string): Promise<ApiKey> {
  const { name, doc } = serviceTable();
  const { Item } = await doc.send(
    new GetCommand({ TableName: name, Key: keys.apiKey(tenantId, keyId), ConsistentRead: true }),
  );
  if (!Item) throw new CairnError('keys.not_found', `API key ${keyId} does not exist`, { keyId });
  const item = Item as KeyItem;
  if (item.revokedAt)
    throw new CairnError('keys.already_revoked', `API key ${keyId} was revoked at ${item.revokedAt}`);
  const revokedAt = new Date().toISOString();
  await transactWrite(
    () => ({
      items: [
        {
          Update: {
            TableName: name,
            Key: keys.apiKey(tenantId, keyId),
            UpdateExpression: 'SET revokedAt = :now',
            ConditionExpression: 'attribute_exists(pk) AND attribute_type(revokedAt, :null)',
            ExpressionAttributeValues: { ':now': revokedAt, ':null': 'NULL' },
          },
        },
        { Delete: { TableName: name, Key: keys.apiKeyHash(item.hash) } },
      ],
      result: undefined,
      onConditionFailed: () => new CairnError('keys.already_revoked', `API key ${keyId} is already revoked`),
    }),
    { busy: () => busy(tenantId), via: serviceTable() },
  );
  return asApiKey({ ...item, revokedAt });
}

/**
 * The authorizer's one read per request (key `apiKeyHash`): a strongly consistent GetItem of the
 * lookup that `revokeKey` deletes in its transaction, so a revoked key fails on the very next
 * request. An eventually consistent read (or an index, which is never consistent) could still
 * return the key for a moment after its revocation.
 */
export async function findKeyByHash(hash: string): Promise<KeyLookup | undefined> {
  const { name, doc } = serviceTable();
  const { Item } = await doc.send(
    new GetCommand({ TableName: name, Key: keys.apiKeyHash(hash), ConsistentRead: true }),
  );
  if (!Item) return undefined;
  return { tenantId: Item.tenantId, keyId: Item.keyId, name: Item.name, role: Item.role };
}

/**
 * Records that a key was used. Conditional on the stored time being older than `staleBefore`, so
 * that busy keys cost one write per interval, not one per request.
 */
export async function touchKey(
  tenantId: string,
  keyId: string,
  now: string,
  staleBefore: string,
): Promise<void> {
  const { name, doc } = serviceTable();
  try {
    await doc.send(
      new UpdateCommand({
        TableName: name,
        Key: keys.apiKey(tenantId, keyId),
        UpdateExpression: 'SET lastUsedAt = :now',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_type(lastUsedAt, :null) OR lastUsedAt < :stale)',
        ExpressionAttributeValues: { ':now': now, ':null': 'NULL', ':stale': staleBefore },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}
