/** DynamoDB service limits, named once; chunking code and its tests use these. */
export const maxItemBytes = 400 * 1024;
export const maxBatchWriteItems = 25;
export const maxBatchGetItems = 100;
export const maxTransactItems = 100;
export const writeUnitBytes = 1024;
