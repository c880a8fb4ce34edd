import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
// zod's tree-shakable build: every function, the authorizer included, parses its environment
// here, and the full build would put ~450 KB into a bundle that needs none of it otherwise.
import * as z from 'zod/mini';
import { tenantCredentials } from './tenant-credentials.ts';
import { checkTableCommand, guardClient, type Reach, tenantGuardEnabled } from './tenant-guard.ts';

const Env = z.object({
  CAIRN_TABLE: z.string().check(z.minLength(1, 'CAIRN_TABLE must name the DynamoDB table')),
  CAIRN_TENANT_ROLE_ARN: z.optional(z.string()),
});

export interface Table {
  name: string;
  doc: DynamoDBDocumentClient;
}

/**
 * A document client; where the tenant guard is on (local stack, tests), it refuses every command
 * that leaves what `reach()` allows at the moment the command is sent, as IAM would on AWS.
 */
function documentClient(config: DynamoDBClientConfig, reach: () => Reach): DynamoDBDocumentClient {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
  if (tenantGuardEnabled()) guardClient(doc, (command, input) => checkTableCommand(reach(), command, input));
  return doc;
}

/** The tenant a request acts for, set once by the edge for everything the handler does. */
const tenantScope = new AsyncLocalStorage<string>();

/** The tenant of the request being served, if any (see `withTenantScope`). */
export function currentTenantScope(): string | undefined {
  return tenantScope.getStore();
}

const inScope = (): Reach => {
  const tenantId = tenantScope.getStore();
  return tenantId ? { kind: 'tenant', tenantId } : { kind: 'none' };
};

let base: (Table & { scoped: boolean }) | undefined;

function baseClient() {
  if (!base) {
    const env = Env.parse(process.env);
    base = { name: env.CAIRN_TABLE, doc: documentClient({}, inScope), scoped: !!env.CAIRN_TENANT_ROLE_ARN };
  }
  return base;
}

let keyManagement: Table | undefined;
let maintenance: Table | undefined;
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
  const shared = baseClient();
  const tenantId = tenantScope.getStore();
  if (!shared.scoped || !tenantId) return shared;
  let doc = perTenant.get(tenantId);
  if (!doc) {
    // The SDK refreshes credentials five minutes before they expire: ask for a little more.
    doc = documentClient(
      { credentials: async () => (await tenantCredentials(tenantId, { validForMs: 6 * 60_000 }))! },
      () => {
        const current = tenantScope.getStore();
        // A client cached for one tenant, used in another's request, is the bug this exists to catch.
        return current === tenantId ? { kind: 'tenant', tenantId } : { kind: 'none' };
      },
    );
    perTenant.set(tenantId, doc);
    if (perTenant.size > maxTenantClients) perTenant.delete(perTenant.keys().next().value as string);
  }
  return { name: shared.name, doc };
}

/**
 * Key management's own access, for the items outside every tenant's prefix: the tenant item, the
 * key lists and the API-key hash lookups (`TENANT#`, `KEYS#`, `KEYHASH#`), which the authorizer
 * reads and the tenants domain writes. It reaches nothing else: in AWS by the function's grant,
 * locally by the tenant guard, which also keeps it to the current tenant's items inside a request.
 */
export function serviceTable(): Table {
  if (!keyManagement) {
    const { name } = baseClient();
    keyManagement = {
      name,
      doc: documentClient({}, () => ({ kind: 'keyManagement', tenantId: tenantScope.getStore() })),
    };
  }
  return keyManagement;
}

/**
 * The whole table, for the local stack's own jobs that stand in for AWS features (DynamoDB's TTL,
 * the bucket's lifecycle rule). No deployed function has a grant for it: on AWS it is refused.
 */
export function localMaintenanceTable(): Table {
  if (!maintenance) {
    const { name } = baseClient();
    maintenance = { name, doc: documentClient({}, () => ({ kind: 'maintenance' })) };
  }
  return maintenance;
}

/** True when a DynamoDB call failed because its condition did not hold. */
export function isConditionFailure(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'ConditionalCheckFailedException';
}
