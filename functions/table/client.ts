import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';

const Env = z.object({
  CAIRN_TABLE: z.string().min(1, 'CAIRN_TABLE must name the DynamoDB table'),
});

let cached: { name: string; doc: DynamoDBDocumentClient } | undefined;

/**
 * The table's name and a document client, built once per cold start. The endpoint comes from the
 * SDK's own `AWS_ENDPOINT_URL_DYNAMODB`, so no handler knows whether it runs locally.
 */
export function table(): { name: string; doc: DynamoDBDocumentClient } {
  if (!cached) {
    const env = Env.parse(process.env);
    const client = new DynamoDBClient({});
    const doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
      unmarshallOptions: { wrapNumbers: false },
    });
    cached = { name: env.CAIRN_TABLE, doc };
  }
  return cached;
}

/** True when a DynamoDB call failed because its condition did not hold. */
export function isConditionFailure(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'ConditionalCheckFailedException';
}

/** For a cancelled transaction, the reason code of each item in order (`None` where it passed). */
export function cancellationReasons(error: unknown): string[] | undefined {
  if ((error as { name?: string })?.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}
