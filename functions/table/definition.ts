/**
 * The one DynamoDB table, as data. The CDK stack and the local stack both build it from here, so
 * the two cannot drift; stores name indexes through `indexes`.
 */
export const tableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  /**
   * The table's change stream carries each written item's new image: the outbox consumer publishes
   * events from it and the upload verifier picks up completed uploads (see `stream-consumers.ts`).
   */
  streamViewType: 'NEW_IMAGE',
  globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
} as const;

export const indexes = { gsi1: 'gsi1' } as const;

/** Local default; the AWS stack passes its generated name through `CAIRN_TABLE`. */
export const localTableName = 'cairn';
export const localBucketName = 'cairn-artifacts';
