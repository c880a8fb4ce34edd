import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketCorsCommand, type S3Client } from '@aws-sdk/client-s3';
import { bucketCors } from '#blobs/bucket.ts';
import { tableDefinition } from '#table/definition.ts';

/**
 * Creates the table from the same definition the CDK stack reads, unless it exists already; a table
 * from before the stream was part of the definition gets its stream now. Answers the stream's ARN.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<string> {
  const def = tableDefinition;
  const stream = { StreamEnabled: true, StreamViewType: def.streamViewType };
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.StreamSpecification?.StreamEnabled && Table.LatestStreamArn) return Table.LatestStreamArn;
    const updated = await client.send(
      new UpdateTableCommand({ TableName: tableName, StreamSpecification: stream }),
    );
    return updated.TableDescription!.LatestStreamArn!;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const attributes = new Set<string>([def.partitionKey, def.sortKey]);
  for (const index of def.globalSecondaryIndexes) {
    attributes.add(index.partitionKey);
    attributes.add(index.sortKey);
  }
  const created = await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: stream,
      AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: def.partitionKey, KeyType: 'HASH' },
        { AttributeName: def.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: def.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: def.timeToLiveAttribute, Enabled: true },
    }),
  );
  return created.TableDescription!.LatestStreamArn!;
}

/** Creates the artifact bucket with the CORS rules the dashboard needs (idempotent). */
export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
  await client.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: [...bucketCors.allowedOrigins],
            AllowedMethods: [...bucketCors.allowedMethods],
            AllowedHeaders: [...bucketCors.allowedHeaders],
            ExposeHeaders: [...bucketCors.exposedHeaders],
            MaxAgeSeconds: bucketCors.maxAgeSeconds,
          },
        ],
      },
    }),
  );
}
