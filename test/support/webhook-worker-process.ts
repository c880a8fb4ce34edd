/**
 * Runs the webhook delivery worker's Lambda handler once, in a process of its own, on the SQS
 * message given as JSON in argv[2]: a test can kill this process mid-delivery, as Lambda kills a
 * function that times out or crashes, and then hand the same message to another worker.
 */
import type { SQSEvent } from 'aws-lambda';
import { handler } from '#functions/events/webhook-worker.ts';

const record = JSON.parse(process.argv[2]!) as SQSEvent['Records'][number];
const answer = await handler({ Records: [record] });
process.stdout.write(`${JSON.stringify(answer)}\n`);
