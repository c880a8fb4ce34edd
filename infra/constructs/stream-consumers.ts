import { type CfnElement, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type StreamConsumer,
  type StreamConsumerName,
  streamConsumers,
} from '#functions/stream-consumers.ts';
import { CairnFunction } from './cairn-function.ts';

export interface StreamConsumersProps {
  table: ITable;
  /** Each consumer's environment, from its row in `infra/function-access.ts`. */
  environment: Record<StreamConsumerName, Record<string, string>>;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  reservedConcurrency: Partial<Record<string, number>>;
}

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** Lambda reads each shard in this many parallel lanes; order still holds per partition key. */
export const streamParallelization = 10;

/**
 * The functions of `functions/stream-consumers.ts`, each subscribed to the table's stream with its
 * row's filter (Lambda drops other records before invoking it), batch size, retries and maximum
 * record age. A batch that keeps failing is bisected down to its failing record, then reported to
 * the consumer's own dead-letter queue (the record's position, not its data: the item stays in
 * the table). Each function holds only the stream read and the queue its event source needs;
 * callers grant the rest, from the consumer's row in `infra/function-access.ts`.
 */
export class StreamConsumers extends Construct {
  readonly functions: Record<StreamConsumerName, CairnFunction>;
  readonly deadLetters: Record<StreamConsumerName, Queue>;

  constructor(scope: Construct, id: string, props: StreamConsumersProps) {
    super(scope, id);
    this.functions = {} as Record<StreamConsumerName, CairnFunction>;
    this.deadLetters = {} as Record<StreamConsumerName, Queue>;
    for (const row of streamConsumers as readonly StreamConsumer[]) {
      const name = row.name as StreamConsumerName;
      const fn = new CairnFunction(this, `${pascal(name)}Function`, {
        bundle: name,
        description: row.description,
        environment: props.environment[name],
        logRetention: props.logRetention,
        removalPolicy: props.removalPolicy,
        reservedConcurrentExecutions: props.reservedConcurrency[name],
      });
      const deadLetters = new Queue(this, `${pascal(name)}DeadLetters`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy: props.removalPolicy,
      });
      Validations.of(deadLetters).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: `This queue is the on-failure destination of the ${name} stream consumer; it has none of its own.`,
      });
      fn.fn.addEventSource(
        new DynamoEventSource(props.table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: row.batchSize,
          filters: [FilterCriteria.filter(row.filter as Record<string, unknown>)],
          bisectBatchOnError: true,
          reportBatchItemFailures: true,
          retryAttempts: row.retryAttempts,
          maxRecordAge: Duration.seconds(row.maxRecordAgeSeconds),
          parallelizationFactor: streamParallelization,
          onFailure: new SqsDlq(deadLetters),
        }),
      );
      const table = Stack.of(this).getLogicalId(props.table.node.defaultChild as CfnElement);
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `dynamodb:ListStreams has no resource-level permissions; the stream read itself (DescribeStream, GetRecords, GetShardIterator) is confined to <${table}.StreamArn>.`,
      });
      this.functions[name] = fn;
      this.deadLetters[name] = deadLetters;
    }
  }
}
