import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { withTenantScope } from '#table/client.ts';
import { verifyUpload } from './verify.ts';

/**
 * The upload verifier (a Lambda function subscribed to the table's stream, filtered to uploads
 * that turned `verifying`; see `functions/stream-consumers.ts`). One upload per invocation: it
 * hashes the assembled object and adopts it as a blob or refuses it, with that tenant's
 * credentials. A verdict is never an error; an error (a crash, the store unreachable) is reported
 * so that Lambda tries that record again.
 */
export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    const [tenantId, uploadId] = [image?.tenantId?.S, image?.uploadId?.S];
    if (!tenantId || !uploadId) continue;
    try {
      const verdict = await withTenantScope(tenantId, () =>
        verifyUpload(tenantId, uploadId, () => context.getRemainingTimeInMillis()),
      );
      if (verdict === 'failed')
        console.warn(JSON.stringify({ level: 'warn', message: 'upload refused', tenantId, uploadId }));
    } catch (error) {
      console.error(
        JSON.stringify({
          level: 'error',
          message: 'upload not verified yet',
          tenantId,
          uploadId,
          error: String(error),
        }),
      );
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
    }
  }
  return { batchItemFailures: [] };
}
