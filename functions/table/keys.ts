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
  apiKey: (tenantId: string, keyId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}KEYS`,
    sk: `KEY#${keyId}`,
  }),
  /** Outside every tenant: the authorizer finds a key's tenant from its hash. */
  apiKeyHash: (hash: string): Key => ({ pk: `KEYHASH#${hash}`, sk: 'KEYHASH' }),

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
