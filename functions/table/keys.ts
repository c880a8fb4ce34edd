/**
 * Every partition and sort key the table uses. A tenant's data partitions (and every index
 * partition key) start with `<tenantId>#`, which is what lets IAM's `dynamodb:LeadingKeys` confine
 * a tenant's credentials. Key management is the exception: the tenant item, its key list and the
 * API-key hash lookups start with an upper-case word (`TENANT#`, `KEYS#`, `KEYHASH#`). Tenant ids
 * are lower case, so no tenant partition can start like that, and no name a tenant chooses (a
 * dataset called `KEYS`) can produce a key-management partition: the grants on either side can
 * never overlap.
 */

export interface Key {
  pk: string;
  sk: string;
}

/** What a tenant id is: lower-case letters, digits and inner hyphens (DNS-label-like). */
export const tenantIdPattern = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;

// The property isolation rests on: a tenant id is never upper case, a wildcard or a separator.
function checked(tenantId: string): string {
  if (!tenantIdPattern.test(tenantId)) throw new Error(`Not a tenant id: ${JSON.stringify(tenantId)}`);
  return tenantId;
}

const tenantPrefix = (tenantId: string) => `${checked(tenantId)}#`;

/**
 * The tenant whose partition `pk` is (`<tenantId>#…`), for code that meets an item before it knows
 * its tenant: the table's stream consumers. Only that tenant's credentials can write such a
 * partition, so the key, unlike the item's attributes, says whose the item is. Undefined for a
 * key-management partition (upper case) or anything else that is no tenant's.
 */
export function tenantOfPartition(pk: string): string | undefined {
  const separator = pk.indexOf('#');
  const tenantId = pk.slice(0, separator);
  return separator > 0 && tenantIdPattern.test(tenantId) ? tenantId : undefined;
}

/** Partitions outside every tenant's prefix: key management, reached only by its own grant. */
export const keyManagementPrefixes = { tenant: 'TENANT#', keyList: 'KEYS#', hashLookup: 'KEYHASH#' } as const;

export const keys = {
  /** The tenant item: outside the tenant's own prefix, so tenant credentials cannot rewrite it. */
  tenant: (tenantId: string): Key => ({
    pk: `${keyManagementPrefixes.tenant}${checked(tenantId)}`,
    sk: 'TENANT',
  }),
  apiKeysOf: (tenantId: string) => `${keyManagementPrefixes.keyList}${checked(tenantId)}`,
  apiKey: (tenantId: string, keyId: string): Key => ({
    pk: `${keyManagementPrefixes.keyList}${checked(tenantId)}`,
    sk: `KEY#${keyId}`,
  }),
  /** The authorizer finds a key's tenant from its hash, before it knows the tenant. */
  apiKeyHash: (hash: string): Key => ({ pk: `${keyManagementPrefixes.hashLookup}${hash}`, sk: 'KEYHASH' }),

  /** The tenant's counter for experiment ids ("0" is Default, then 1, 2, …). */
  experimentSequence: (tenantId: string): Key => ({ pk: `${tenantPrefix(tenantId)}EXPSEQ`, sk: 'EXPSEQ' }),
  experimentsOf: (tenantId: string) => `${tenantPrefix(tenantId)}EXP`,
  experiment: (tenantId: string, experimentId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}EXP`,
    sk: `EXP#${experimentId}`,
  }),
  /** Holds a name for one experiment: names are unique per tenant, deleted experiments included. */
  experimentName: (tenantId: string, name: string): Key => ({
    pk: `${tenantPrefix(tenantId)}EXPNAME#${name}`,
    sk: 'EXPNAME',
  }),

  /** A run and everything logged to it share one partition: the run item, metric chunks. */
  run: (tenantId: string, runId: string): Key => ({ pk: `${tenantPrefix(tenantId)}RUN#${runId}`, sk: 'RUN' }),
  runPartition: (tenantId: string, runId: string) => `${tenantPrefix(tenantId)}RUN#${runId}`,
  /** One immutable chunk of metric points, named by the client's batch id so a retry cannot add it twice. */
  metricChunk: (tenantId: string, runId: string, batchId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}RUN#${runId}`,
    sk: `${metricChunkSortPrefix}${batchId}`,
  }),

  /**
   * GSI1: the runs of an experiment, spread over shards so that a search reads them in parallel
   * (and no single index partition runs hot), sorted by when each was last written, so that a
   * search can read only what changed since it last looked.
   */
  runsOfExperiment: (tenantId: string, experimentId: string, shard: number) =>
    `${tenantPrefix(tenantId)}EXPRUNS#${experimentId}#${shard}`,
  runChangeOrder: (updatedAt: number, runId: string) => `${String(updatedAt).padStart(15, '0')}#${runId}`,

  /** An MLflow 3 logged model: its info, params, tags and metrics in one item. */
  loggedModel: (tenantId: string, modelId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}LM#${modelId}`,
    sk: 'LM',
  }),
  /** GSI1: the logged models of an experiment, in creation order. */
  loggedModelsOfExperiment: (tenantId: string, experimentId: string) =>
    `${tenantPrefix(tenantId)}EXPLM#${experimentId}`,
  loggedModelOrder: (createdAt: number, modelId: string) =>
    `${String(createdAt).padStart(15, '0')}#${modelId}`,

  /** One blob the tenant holds, written only once its object was confirmed: what "present" means. */
  blob: (tenantId: string, sha256: string): Key => ({
    pk: `${tenantPrefix(tenantId)}BLOB#${sha256}`,
    sk: 'BLOB',
  }),
  /**
   * The blob's upload was signed once: only such a blob can be in the store unrecorded (an upload
   * interrupted before its confirmation), so only these are probed when a push starts.
   */
  blobSigned: (tenantId: string, sha256: string): Key => ({
    pk: `${tenantPrefix(tenantId)}BLOB#${sha256}`,
    sk: 'SIGNED',
  }),
  /**
   * A multipart upload (open, verifying, verified or failed), so that only its tenant can sign its
   * parts, complete, abort or watch it. A partition of its own: the table's stream keeps order per
   * partition key, so uploads in partitions of their own are verified in parallel.
   */
  upload: (tenantId: string, uploadId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}UPLOAD#${uploadId}`,
    sk: `${uploadSortPrefix}${uploadId}`,
  }),
  /** One chunk of a run's artifact manifest, in the run's partition; later chunks win per path. */
  artifactChunk: (tenantId: string, runId: string, chunkId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}RUN#${runId}`,
    sk: `${artifactChunkSortPrefix}${chunkId}`,
  }),
  /** A run's declared dataset input (lineage, run side), in the run's partition. */
  runInput: (tenantId: string, runId: string, dataset: string, version: number, context: string): Key => ({
    pk: `${tenantPrefix(tenantId)}RUN#${runId}`,
    sk: `${runInputSortPrefix}${dataset}#${versionOrder(version)}#${context}`,
  }),

  datasetsOf: (tenantId: string) => `${tenantPrefix(tenantId)}DATASETS`,
  dataset: (tenantId: string, name: string): Key => ({
    pk: `${tenantPrefix(tenantId)}DATASETS`,
    sk: `DS#${name}`,
  }),
  /** A dataset's versions, manifest chunks, tags and users share the dataset's partition. */
  datasetPartition: (tenantId: string, name: string) => `${tenantPrefix(tenantId)}DS#${name}`,
  datasetVersion: (tenantId: string, name: string, version: number): Key => ({
    pk: `${tenantPrefix(tenantId)}DS#${name}`,
    sk: `${datasetVersionSortPrefix}${versionOrder(version)}`,
  }),
  datasetManifestChunk: (tenantId: string, name: string, version: number, chunk: number): Key => ({
    pk: `${tenantPrefix(tenantId)}DS#${name}`,
    sk: `${datasetManifestPrefix(version)}${String(chunk).padStart(4, '0')}`,
  }),
  datasetTag: (tenantId: string, name: string, tag: string): Key => ({
    pk: `${tenantPrefix(tenantId)}DS#${name}`,
    sk: `${datasetTagSortPrefix}${tag}`,
  }),
  /** A run that used a dataset version (lineage, dataset side). */
  datasetUse: (tenantId: string, name: string, version: number, runId: string, context: string): Key => ({
    pk: `${tenantPrefix(tenantId)}DS#${name}`,
    sk: `${datasetUsePrefix(version)}${runId}#${context}`,
  }),

  /**
   * A registered model, keyed by its current name so that the usual read (by name) is one get.
   * Rename moves this item; versions live under the model's stable id and never move.
   */
  model: (tenantId: string, name: string): Key => ({
    pk: `${tenantPrefix(tenantId)}MODELS`,
    sk: `${modelSortPrefix}${name}`,
  }),
  modelsOf: (tenantId: string) => `${tenantPrefix(tenantId)}MODELS`,
  /** A deleted model keeps its data here, by id, and frees its name. */
  deletedModel: (tenantId: string, modelId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}MODELS`,
    sk: `${deletedModelSortPrefix}${modelId}`,
  }),
  /** The model's partition: its head (id → current name) and its versions. */
  modelHead: (tenantId: string, modelId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}MODEL#${modelId}`,
    sk: 'HEAD',
  }),
  modelPartition: (tenantId: string, modelId: string) => `${tenantPrefix(tenantId)}MODEL#${modelId}`,
  modelVersion: (tenantId: string, modelId: string, version: number): Key => ({
    pk: `${tenantPrefix(tenantId)}MODEL#${modelId}`,
    sk: `${modelVersionSortPrefix}${versionOrder(version)}`,
  }),
  /**
   * The model versions made from a run: MLflow's `run_id` search, and with the datasets' run index,
   * the model versions trained on a dataset version.
   */
  runModelVersionsOf: (tenantId: string, runId: string) => `${tenantPrefix(tenantId)}RUNMODELS#${runId}`,
  runModelVersion: (tenantId: string, runId: string, modelId: string, version: number): Key => ({
    pk: `${tenantPrefix(tenantId)}RUNMODELS#${runId}`,
    sk: `${modelId}#${versionOrder(version)}`,
  }),

  /**
   * The audit log: each event is written three times in one transaction, in the tenant's log and in
   * the logs of its resource and its actor, each sorted by time, so that every filter is a query
   * and the newest come first.
   */
  auditLog: (tenantId: string) => `${tenantPrefix(tenantId)}AUDIT`,
  auditByResource: (tenantId: string, resource: string) => `${tenantPrefix(tenantId)}AUDITRES#${resource}`,
  auditByActor: (tenantId: string, keyId: string) => `${tenantPrefix(tenantId)}AUDITBY#${keyId}`,
  auditOrder: (time: string, eventId: string) => `${time}#${eventId}`,
  /**
   * An event waiting to be published (EventBridge, webhooks): written in the transaction that makes
   * the change, read from the table's stream by the outbox consumer, deleted once published.
   */
  outboxOf: (tenantId: string) => `${tenantPrefix(tenantId)}OUTBOX`,
  outbox: (tenantId: string, time: string, eventId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}OUTBOX`,
    sk: `${time}#${eventId}`,
  }),
  webhooksOf: (tenantId: string) => `${tenantPrefix(tenantId)}WEBHOOKS`,
  webhook: (tenantId: string, webhookId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}WEBHOOKS`,
    sk: `${webhookSortPrefix}${webhookId}`,
  }),
  /** One event's delivery to one webhook, updated by every attempt; newest first by event time. */
  webhookDeliveriesOf: (tenantId: string, webhookId: string) =>
    `${tenantPrefix(tenantId)}WHDELIVERY#${webhookId}`,
  webhookDelivery: (tenantId: string, webhookId: string, time: string, eventId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}WHDELIVERY#${webhookId}`,
    sk: `${time}#${eventId}`,
  }),
} as const;

/** Version numbers sort as strings in sort keys. */
const versionOrder = (version: number) => String(version).padStart(10, '0');
export const uploadSortPrefix = 'UPLOAD#';
export const artifactChunkSortPrefix = 'ART#';
export const runInputSortPrefix = 'INPUT#';
export const datasetVersionSortPrefix = 'VER#';
export const datasetTagSortPrefix = 'TAG#';
export const datasetManifestPrefix = (version: number) => `MAN#${versionOrder(version)}#`;
export const datasetUsePrefix = (version: number) => `USE#${versionOrder(version)}#`;
export const modelSortPrefix = 'MODEL#';
export const deletedModelSortPrefix = 'DELETED#';
export const modelVersionSortPrefix = 'V#';
export const webhookSortPrefix = 'WEBHOOK#';

export const metricChunkSortPrefix = 'MC#';
/** How many GSI1 partitions hold one experiment's runs. */
export const runShards = 4;

/** The sort-key prefix shared by every API key item of a tenant. */
export const apiKeySortPrefix = 'KEY#';
