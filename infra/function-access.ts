import type { Domain } from '#functions/routes.ts';

/**
 * The kinds of access a Cairn function can be given, besides writing its own logs. Each is one
 * grant in the stack (`CairnStack`), one set of environment variables, and one group of cases in
 * the IAM simulation (`infra/iam-simulation.test.ts`).
 */
export const accessKinds = {
  tenantData:
    "assume the tenant role with the session tag tenant=<id>: that tenant's items and objects, nothing else",
  keyManagement:
    'the key-management partitions (TENANT#, KEYS#, KEYHASH#): create tenants, create, list and revoke keys',
  keyLookup: 'read KEYHASH# lookups and record when a key was used (KEYS#): the authorizer',
  operatorSecret: 'read the secret holding the first operator key',
  publishEvents: 'put events on the registry event bus',
  queueWebhooks: 'send webhook delivery messages to the delivery queue',
} as const;
export type Access = keyof typeof accessKinds;

/** Every function of the stack: one per domain, the authorizer, and the webhook delivery worker. */
export type FunctionName = Domain | 'authorizer' | 'webhookWorker';

/**
 * What each function may reach: the one place a grant is decided, reviewed as data. The stack grants
 * exactly this, the stack tests and the IAM simulation assert it, and a test checks it against each
 * function's bundle (a function declared to publish events must contain the publisher, and one that
 * contains it must be declared). A new function (a stream consumer, a verifier) adds a row here.
 */
export const functionAccess = {
  // Health, the OpenAPI document and unknown paths: no data at all.
  system: [],
  // Key management, plus the audit entry and webhooks of key.created / key.revoked in the tenant.
  tenants: ['keyManagement', 'tenantData', 'publishEvents', 'queueWebhooks'],
  experiments: ['tenantData', 'publishEvents', 'queueWebhooks'],
  runs: ['tenantData', 'publishEvents', 'queueWebhooks'],
  artifacts: ['tenantData'],
  datasets: ['tenantData'],
  models: ['tenantData', 'publishEvents', 'queueWebhooks'],
  events: ['tenantData', 'publishEvents', 'queueWebhooks'],
  mlflow: ['tenantData', 'publishEvents', 'queueWebhooks'],
  authorizer: ['keyLookup', 'operatorSecret'],
  // One delivery attempt per message, and the next attempt queued with its backoff.
  webhookWorker: ['tenantData', 'queueWebhooks'],
} as const satisfies Record<FunctionName, readonly Access[]>;

/** The functions that may assume the tenant role: its trust policy names exactly their roles. */
export const tenantScopedFunctions = (Object.keys(functionAccess) as FunctionName[]).filter((name) =>
  (functionAccess[name] as readonly Access[]).includes('tenantData'),
);

export function accessOf(name: FunctionName): readonly Access[] {
  return functionAccess[name];
}
