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
   * (and no single index partition runs hot), sorted by start time.
   */
  runsOfExperiment: (tenantId: string, experimentId: string, shard: number) =>
    `${tenantPrefix(tenantId)}EXPRUNS#${experimentId}#${shard}`,
  runStartOrder: (startTime: number, runId: string) => `${String(startTime).padStart(15, '0')}#${runId}`,
} as const;

export const metricChunkSortPrefix = 'MC#';
/** How many GSI1 partitions hold one experiment's runs. */
export const runShards = 4;

/** The sort-key prefix shared by every API key item of a tenant. */
export const apiKeySortPrefix = 'KEY#';
