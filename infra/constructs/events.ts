import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { webhookWorkerTimeoutSeconds } from '../bundles.ts';

export interface EventsProps {
  removalPolicy: RemovalPolicy;
}

/** How long a delivery attempt may take; the queue hides a message for six times as long, as Lambda advises. */
export const webhookDeliveryTimeout = Duration.seconds(webhookWorkerTimeoutSeconds);
/** Attempts before a delivery is parked in the dead-letter queue. */
export const webhookMaxAttempts = 5;

/**
 * Registry events leave Cairn two ways: the EventBridge bus, where a team's deploy pipeline listens,
 * and signed webhooks, queued so that a delivery survives a failing function or endpoint and ends in
 * a dead-letter queue (alarmed) rather than nowhere.
 */
export class Events extends Construct {
  readonly bus: EventBus;
  readonly webhooks: Queue;
  readonly webhookDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: EventsProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', {
      description: 'Cairn registry events (model versions, aliases, stages)',
    });

    this.webhookDeadLetters = new Queue(this, 'WebhookDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.webhookDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the webhook delivery queue; it has none of its own.',
    });
    this.webhooks = new Queue(this, 'Webhooks', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: webhookDeliveryTimeout.plus(
        Duration.seconds(webhookDeliveryTimeout.toSeconds() * 5),
      ),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.webhookDeadLetters, maxReceiveCount: webhookMaxAttempts },
      removalPolicy: props.removalPolicy,
    });
  }

  /** Lets a function put registry events on the bus. */
  allowPutEvents(grantee: IGrantable): void {
    this.bus.grantPutEventsTo(grantee);
  }

  /** Lets a function queue webhook deliveries. */
  allowQueueDeliveries(grantee: IGrantable): void {
    this.webhooks.grantSendMessages(grantee);
  }

  /** Both of the above: what a function that announces registry changes needs. */
  allowPublish(grantee: IGrantable): void {
    this.allowPutEvents(grantee);
    this.allowQueueDeliveries(grantee);
  }

  /**
   * Extension point for the webhook delivery worker: give it the function (timeout at most
   * `webhookDeliveryTimeout`) and it consumes the queue, reporting per-message failures so one bad
   * endpoint does not retry the whole batch.
   */
  deliverWebhooksWith(worker: IFunction): void {
    worker.addEventSource(
      new SqsEventSource(this.webhooks, { batchSize: 10, reportBatchItemFailures: true }),
    );
  }

  /** What a function that puts events needs to find the bus. */
  get busEnvironment(): Record<string, string> {
    return { CAIRN_EVENT_BUS: this.bus.eventBusName };
  }

  /** What a function that queues deliveries needs to find the queue. */
  get queueEnvironment(): Record<string, string> {
    return { CAIRN_WEBHOOK_QUEUE_URL: this.webhooks.queueUrl };
  }

  /** Both of the above. */
  get environment(): Record<string, string> {
    return { ...this.busEnvironment, ...this.queueEnvironment };
  }
}
