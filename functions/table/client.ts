import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
// zod's tree-shakable build: every function, the authorizer included, parses its environment
// here, and the full build would put ~450 KB into a bundle that needs none of it otherwise.
import * as z from 'zod/mini';
import { tenantCredentials } from './tenant-credentials.ts';

const Env = z.object({
  CAIRN_TABLE: z.string().check(z.minLength(1, 'CAIRN_TABLE must name the DynamoDB table')),
  CAIRN_TENANT_ROLE_ARN: z.optional(z.string()),
});

export interface Table {
  name: string;
  doc: DynamoDBDocumentClient;
}

function documentClient(config: DynamoDBClientConfig): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}

let service: (Table & { scoped: boolean }) | undefined;

function serviceClient() {
  if (!service) {
    const env = Env.parse(process.env);
    service = { name: env.CAIRN_TABLE, doc: documentClient({}), scoped: !!env.CAIRN_TENANT_ROLE_ARN };
  }
  return service;
}

/** The tenant a request acts for, set once by the edge for everything the handler does. */
const tenantScope = new AsyncLocalStorage<string>();
const perTenant = new Map<string, DynamoDBDocumentClient>();
const maxTenantClients = 100;

/**
 * Runs `work` with `table()` confined to one tenant's items. The edge wraps every tenant request
 * in it, so no store can forget: where the stack provides a tenant-scoped role, the client signs
 * with credentials that IAM limits to partition keys starting `<tenantId>#`.
 */
export function withTenantScope<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
  return tenantScope.run(tenantId, work);
}

/**
 * The table's name and a document client, built once per cold start. Inside a tenant's request
 * (`withTenantScope`) the client carries that tenant's credentials, where the stack has a tenant
 * role. The endpoint comes from the SDK's own `AWS_ENDPOINT_URL_DYNAMODB`, so no handler knows
 * whether it runs locally.
 */
export function table(): Table {
  const base = serviceClient();
  const tenantId = tenantScope.getStore();
  if (!base.scoped || !tenantId) return base;
  let doc = perTenant.get(tenantId);
  if (!doc) {
    // The SDK refreshes credentials five minutes before they expire: ask for a little more.
    doc = documentClient({
      credentials: async () => (await tenantCredentials(tenantId, { validForMs: 6 * 60_000 }))!,
    });
    perTenant.set(tenantId, doc);
    if (perTenant.size > maxTenantClients) perTenant.delete(perTenant.keys().next().value as string);
  }
  return { name: base.name, doc };
}

/**
 * The function's own access, for the few items outside every tenant's prefix: the API-key hash
 * lookups that the authorizer reads and key management writes.
 */
export function serviceTable(): Table {
  return serviceClient();
}

/** True when a DynamoDB call failed because its condition did not hold. */
export function isConditionFailure(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'ConditionalCheckFailedException';
}
