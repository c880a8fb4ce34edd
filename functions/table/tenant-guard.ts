import { tableDefinition } from './definition.ts';
import { keyManagementPrefixes } from './keys.ts';

/**
 * The isolation rule that IAM enforces in AWS, enforced in the SDK clients where there is no IAM:
 * the local stack and the tests. With `CAIRN_TENANT_GUARD=enforce`, every DynamoDB and S3 client
 * the functions build checks each command before it is sent (or presigned): the keys it touches
 * must lie within what the client may reach, exactly as the tenant role's `dynamodb:LeadingKeys`
 * and S3 prefix conditions decide on AWS. A command the guard does not know is refused, never let
 * through. Off on AWS, where IAM decides.
 */
export const tenantGuardVariable = 'CAIRN_TENANT_GUARD';

export function tenantGuardEnabled(): boolean {
  return process.env[tenantGuardVariable] === 'enforce';
}

/**
 * What a client may reach:
 * - `tenant`: one tenant's partitions (`<tenantId>#…`) and objects (`<tenantId>/…`): the tenant role;
 * - `keyManagement`: the key-management partitions only (`TENANT#`, `KEYS#`, `KEYHASH#`); inside a
 *   tenant's request only that tenant's tenant item and key list (IAM cannot tell tenants apart
 *   there, the guard can, so it does);
 * - `none`: nothing: a domain function's own role has no data access outside a tenant's request;
 * - `maintenance`: everything, for the local stack's own jobs that stand in for AWS features
 *   (the bucket's lifecycle rule, DynamoDB's TTL); no deployed function has this.
 */
export type Reach =
  | { kind: 'tenant'; tenantId: string }
  | { kind: 'keyManagement'; tenantId: string | undefined }
  | { kind: 'none' }
  | { kind: 'maintenance' };

export class TenantGuardError extends Error {
  override name = 'TenantGuardError';
}

/**
 * Every DynamoDB command the functions send, with the IAM actions AWS authorizes it by (each item
 * of a transaction separately, by its own action). The IAM simulation walks this list, so a command
 * added here is simulated against the deployed policies.
 */
export const tableCommandActions = {
  GetItemCommand: ['dynamodb:GetItem'],
  PutItemCommand: ['dynamodb:PutItem'],
  UpdateItemCommand: ['dynamodb:UpdateItem'],
  DeleteItemCommand: ['dynamodb:DeleteItem'],
  QueryCommand: ['dynamodb:Query'],
  BatchGetItemCommand: ['dynamodb:BatchGetItem'],
  BatchWriteItemCommand: ['dynamodb:BatchWriteItem'],
  TransactGetItemsCommand: ['dynamodb:GetItem'],
  TransactWriteItemsCommand: [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
  /** Only the local stack's maintenance sweeps scan; no deployed role may. */
  ScanCommand: ['dynamodb:Scan'],
} as const;

/**
 * Every S3 command the functions send or presign, with the IAM actions S3 authorizes it by. A copy
 * is authorized twice: `s3:GetObject` on its source and `s3:PutObject` on its destination.
 */
export const objectCommandActions = {
  GetObjectCommand: ['s3:GetObject'],
  HeadObjectCommand: ['s3:GetObject'],
  PutObjectCommand: ['s3:PutObject'],
  CreateMultipartUploadCommand: ['s3:PutObject'],
  UploadPartCommand: ['s3:PutObject'],
  CompleteMultipartUploadCommand: ['s3:PutObject'],
  AbortMultipartUploadCommand: ['s3:AbortMultipartUpload'],
  ListPartsCommand: ['s3:ListMultipartUploadParts'],
  DeleteObjectCommand: ['s3:DeleteObject'],
  ListObjectsV2Command: ['s3:ListBucket'],
  CopyObjectCommand: ['s3:GetObject', 's3:PutObject'],
  UploadPartCopyCommand: ['s3:GetObject', 's3:PutObject'],
} as const;

const copyCommands = new Set(['CopyObjectCommand', 'UploadPartCopyCommand']);

/**
 * The object a copy reads: `CopySource` is `<bucket>/<url-encoded key>` (optionally with a leading
 * `/` and a `?versionId=`). A source in another bucket is refused: the tenant role reaches none.
 */
function copySourceKey(input: Json, command: string): string {
  const source = input.CopySource;
  if (typeof source !== 'string') throw new TenantGuardError(`${command} without a CopySource`);
  const [path = ''] = source.replace(/^\//, '').split('?');
  const slash = path.indexOf('/');
  const bucket = slash < 0 ? path : path.slice(0, slash);
  if (slash < 0 || bucket !== input.Bucket)
    throw new TenantGuardError(
      `${command} from ${JSON.stringify(source)}: not an object of bucket ${input.Bucket}`,
    );
  try {
    return decodeURIComponent(path.slice(slash + 1));
  } catch {
    throw new TenantGuardError(`${command}: CopySource ${JSON.stringify(source)} is not a URL-encoded key`);
  }
}

/** What key management's own grant allows (`KeyManagement` in the AWS stack): no batches, no scans. */
const keyManagementCommands = new Set([
  'GetItemCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'QueryCommand',
  'TransactGetItemsCommand',
  'TransactWriteItemsCommand',
]);

// biome-ignore lint/suspicious/noExplicitAny: command inputs of every shape, each field checked before use
type Json = any;

/** A key attribute as the document client (a string) or the low-level client (`{ S }`) carries it. */
function text(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  const s = (value as { S?: unknown } | undefined)?.S;
  if (typeof s === 'string') return s;
  throw new TenantGuardError(`${what} is not a string key: ${JSON.stringify(value)}`);
}

const partitionKey = tableDefinition.partitionKey;
const indexPartitionKeys = new Map<string, string>(
  tableDefinition.globalSecondaryIndexes.map((index) => [index.indexName, index.partitionKey]),
);

/** An expression with its `#name` placeholders replaced by the attribute names they stand for. */
function expandNames(expression: string, names: Record<string, string> | undefined): string {
  return expression.replace(/#[A-Za-z0-9_]+/g, (placeholder) => names?.[placeholder] ?? placeholder);
}

/** The value a key condition or update sets `attribute` equal to, as a `:value` placeholder. */
function valueAssignedTo(expression: string, attribute: string): string[] {
  const pattern = new RegExp(`(?:^|[^A-Za-z0-9_.#])${attribute}\\s*=\\s*(:[A-Za-z0-9_]+)`, 'g');
  return [...expression.matchAll(pattern)].map((match) => match[1]!);
}

function placeholderValue(input: Json, placeholder: string, what: string): string {
  const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
  if (!values || !(placeholder in values)) throw new TenantGuardError(`${what}: ${placeholder} has no value`);
  return text(values[placeholder], what);
}

/** Index partition keys an item would be written under: another tenant's index is as bad as its table. */
function indexKeysOfItem(item: Json): string[] {
  const found: string[] = [];
  for (const attribute of indexPartitionKeys.values()) {
    if (item?.[attribute] !== undefined) found.push(text(item[attribute], attribute));
  }
  return found;
}

/** Index partition keys an update expression assigns. An assignment the guard cannot read is refused. */
function indexKeysOfUpdate(update: Json, command: string): string[] {
  if (!update.UpdateExpression) return [];
  const expression = expandNames(update.UpdateExpression, update.ExpressionAttributeNames);
  const found: string[] = [];
  for (const attribute of indexPartitionKeys.values()) {
    if (!new RegExp(`(?:^|[^A-Za-z0-9_])${attribute}(?![A-Za-z0-9_])`).test(expression)) continue;
    const placeholders = valueAssignedTo(expression, attribute);
    if (placeholders.length === 0)
      throw new TenantGuardError(`${command}: cannot tell what ${attribute} is set to in "${expression}"`);
    for (const placeholder of placeholders) found.push(placeholderValue(update, placeholder, command));
  }
  return found;
}

/** The partition of a query: `<partition key> = :value` in its key condition, for the table or its index. */
function queryPartition(input: Json): string {
  const attribute = input.IndexName ? indexPartitionKeys.get(input.IndexName) : partitionKey;
  if (!attribute) throw new TenantGuardError(`QueryCommand on unknown index ${input.IndexName}`);
  const expression = expandNames(input.KeyConditionExpression ?? '', input.ExpressionAttributeNames);
  const [placeholder, ...more] = valueAssignedTo(expression, attribute);
  if (!placeholder || more.length > 0)
    throw new TenantGuardError(`QueryCommand: no single "${attribute} = :value" in "${expression}"`);
  return placeholderValue(input, placeholder, 'QueryCommand');
}

export interface TableAccess {
  /** `dynamodb:LeadingKeys`: the partition of every item (or index entry) read or written. */
  leadingKeys: string[];
  /** Index partitions that written items enter: IAM does not check these, the guard does. */
  indexKeys: string[];
}

/**
 * The partitions a DynamoDB command touches, as AWS computes `dynamodb:LeadingKeys` for it. Throws
 * for a command (or a shape of one) it does not know.
 */
export function tableAccessOf(command: string, input: Json): TableAccess {
  const leadingKeys: string[] = [];
  const indexKeys: string[] = [];
  const key = (value: Json, what: string) =>
    leadingKeys.push(text(value?.[partitionKey], `${command} ${what}`));
  switch (command) {
    case 'GetItemCommand':
    case 'DeleteItemCommand':
      key(input.Key, 'Key');
      break;
    case 'PutItemCommand':
      key(input.Item, 'Item');
      indexKeys.push(...indexKeysOfItem(input.Item));
      break;
    case 'UpdateItemCommand':
      key(input.Key, 'Key');
      indexKeys.push(...indexKeysOfUpdate(input, command));
      break;
    case 'QueryCommand':
      leadingKeys.push(queryPartition(input));
      break;
    case 'BatchGetItemCommand':
      for (const request of Object.values<Json>(input.RequestItems ?? {}))
        for (const each of request.Keys ?? []) key(each, 'Keys');
      break;
    case 'BatchWriteItemCommand':
      for (const requests of Object.values<Json[]>(input.RequestItems ?? {})) {
        for (const request of requests) {
          if (request.PutRequest) {
            key(request.PutRequest.Item, 'PutRequest');
            indexKeys.push(...indexKeysOfItem(request.PutRequest.Item));
          } else if (request.DeleteRequest) key(request.DeleteRequest.Key, 'DeleteRequest');
          else throw new TenantGuardError(`${command}: unknown request ${Object.keys(request)}`);
        }
      }
      break;
    case 'TransactGetItemsCommand':
      for (const item of input.TransactItems ?? []) key(item.Get?.Key, 'Get');
      break;
    case 'TransactWriteItemsCommand':
      for (const item of input.TransactItems ?? []) {
        if (item.Put) {
          key(item.Put.Item, 'Put');
          indexKeys.push(...indexKeysOfItem(item.Put.Item));
        } else if (item.Update) {
          key(item.Update.Key, 'Update');
          indexKeys.push(...indexKeysOfUpdate(item.Update, command));
        } else if (item.Delete) key(item.Delete.Key, 'Delete');
        else if (item.ConditionCheck) key(item.ConditionCheck.Key, 'ConditionCheck');
        else throw new TenantGuardError(`${command}: unknown item ${Object.keys(item)}`);
      }
      break;
    case 'ScanCommand':
      break;
    default:
      throw new TenantGuardError(
        `${command} is not known to the tenant guard: teach it the command's keys (functions/table/tenant-guard.ts) and simulate its IAM action`,
      );
  }
  return { leadingKeys, indexKeys };
}

const keyManagementStarts = Object.values(keyManagementPrefixes);

function refuse(reach: Reach, command: string, key: string): never {
  const who =
    reach.kind === 'tenant'
      ? `tenant ${reach.tenantId}`
      : reach.kind === 'keyManagement'
        ? `key management${reach.tenantId ? ` in tenant ${reach.tenantId}'s request` : ''}`
        : 'a function outside any tenant scope';
  throw new TenantGuardError(`${command} on ${JSON.stringify(key)} is outside what ${who} may reach`);
}

/** Throws unless the DynamoDB command stays within `reach`. */
export function checkTableCommand(reach: Reach, command: string, input: Json): void {
  const { leadingKeys, indexKeys } = tableAccessOf(command, input);
  if (reach.kind === 'maintenance') return;
  if (reach.kind === 'none')
    throw new TenantGuardError(`${command} outside any tenant scope: run it inside withTenantScope`);
  if (command === 'ScanCommand') refuse(reach, command, '(whole table)');
  if (reach.kind === 'tenant') {
    const prefix = `${reach.tenantId}#`;
    for (const key of [...leadingKeys, ...indexKeys])
      if (!key.startsWith(prefix)) refuse(reach, command, key);
    return;
  }
  if (!keyManagementCommands.has(command)) refuse(reach, command, leadingKeys[0] ?? '');
  for (const key of [...leadingKeys, ...indexKeys]) {
    if (!keyManagementStarts.some((start) => key.startsWith(start))) refuse(reach, command, key);
    // Within a tenant's request, key management touches that tenant's own items (and hash lookups).
    if (
      reach.tenantId &&
      !key.startsWith(keyManagementPrefixes.hashLookup) &&
      key !== `${keyManagementPrefixes.tenant}${reach.tenantId}` &&
      key !== `${keyManagementPrefixes.keyList}${reach.tenantId}`
    ) {
      refuse(reach, command, key);
    }
  }
}

/** The object keys (or listing prefix) an S3 command touches. Throws for one it does not know. */
export function objectKeysOf(command: string, input: Json): string[] {
  if (!Object.hasOwn(objectCommandActions, command)) {
    throw new TenantGuardError(
      `${command} is not known to the tenant guard: teach it the command's keys (functions/table/tenant-guard.ts) and simulate its IAM action`,
    );
  }
  if (command === 'ListObjectsV2Command') return [typeof input.Prefix === 'string' ? input.Prefix : ''];
  if (typeof input.Key !== 'string') throw new TenantGuardError(`${command} without a Key`);
  return copyCommands.has(command) ? [input.Key, copySourceKey(input, command)] : [input.Key];
}

/** Throws unless the S3 command (sent or presigned) stays within `reach`. */
export function checkObjectCommand(reach: Reach, command: string, input: Json): void {
  const keys = objectKeysOf(command, input);
  if (reach.kind === 'maintenance') return;
  if (reach.kind !== 'tenant') refuse(reach, command, keys[0] ?? '');
  const prefix = `${reach.tenantId}/`;
  for (const key of keys) if (!key.startsWith(prefix)) refuse(reach, command, key);
}

interface Middleware {
  middlewareStack: {
    add(
      middleware: (
        next: (args: Json) => Promise<Json>,
        context: { commandName?: string },
      ) => (args: Json) => Promise<Json>,
      options: { step: 'initialize'; name: string; priority: 'high' },
    ): void;
  };
}

/**
 * Adds the guard to a client: `check(commandName, input)` runs before the command is signed, sent
 * or presigned (the presigner runs the client's middleware too).
 */
export function guardClient(client: Middleware, check: (command: string, input: Json) => void): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      check(context.commandName ?? '(unnamed command)', args.input);
      return next(args);
    },
    { step: 'initialize', name: 'cairnTenantGuard', priority: 'high' },
  );
}
