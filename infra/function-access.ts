import type { FunctionName } from './bundles.ts';

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
  readStream: "read the table's change stream, through the function's event source mapping",
  streamDeadLetters:
    "send the position of a stream batch given up on to the function's own dead-letter queue",
} as const;
export type Access = keyof typeof accessKinds;

/**
 * What each function may reach: the one place a grant is decided, reviewed as data. The stack grants
 * exactly this, the stack tests and the IAM simulation assert it, and a test checks it against each
 * function's bundle (a function declared to publish events must contain the publisher, and one that
 * contains it must be declared). A new function (a stream consumer, a verifier) adds a row here.
 */
export const functionAccess = {
  // Health, the OpenAPI document and unknown paths: no data at all.
  system: [],
  // Key management, plus the audit entry and outbox item of key.created / key.revoked in the tenant.
  tenants: ['keyManagement', 'tenantData'],
  // The domains write their events to the tenant's outbox in their transactions: none publishes.
  experiments: ['tenantData'],
  runs: ['tenantData'],
  artifacts: ['tenantData'],
  datasets: ['tenantData'],
  models: ['tenantData'],
  events: ['tenantData'],
  mlflow: ['tenantData'],
  authorizer: ['keyLookup', 'operatorSecret'],
  // One delivery attempt per message, and the next attempt queued with its backoff.
  webhookWorker: ['tenantData', 'queueWebhooks'],
  // Per outbox item: read and delete it (tenant role), put its event on the bus, open the webhook
  // deliveries (tenant role) and queue their first attempts.
  outbox: ['readStream', 'streamDeadLetters', 'tenantData', 'publishEvents', 'queueWebhooks'],
  // Per upload turning `verifying`: read, hash, copy and delete the staged object, write the
  // verdict and the blob (all through the tenant role).
  uploadVerifier: ['readStream', 'streamDeadLetters', 'tenantData'],
} as const satisfies Record<FunctionName, readonly Access[]>;

/** The functions that may assume the tenant role: its trust policy names exactly their roles. */
export const tenantScopedFunctions = (Object.keys(functionAccess) as FunctionName[]).filter((name) =>
  (functionAccess[name] as readonly Access[]).includes('tenantData'),
);

export function accessOf(name: FunctionName): readonly Access[] {
  return functionAccess[name];
}

/**
 * Where a deployment keeps what each kind of access reaches, as the environment variables that
 * name it: the AWS stack names its table, bucket, bus and queue, the local stack its emulators'
 * (or nothing, where it has no such resource). Every kind must be placed, on both.
 */
export type AccessEnvironment = Record<Access, Record<string, string>>;

/**
 * A function's environment: the variables of the kinds of access its row declares, no more. A
 * function that reaches for something it did not declare finds no name for it, locally as on AWS.
 */
export function environmentOf(name: FunctionName, places: AccessEnvironment): Record<string, string> {
  return Object.assign({}, ...accessOf(name).map((kind) => places[kind]));
}
