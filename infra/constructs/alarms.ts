import { Duration, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlarmsProps {
  /** Subscribed to the topic when set. */
  email: string | undefined;
}

const period = Duration.minutes(5);

/** Share of API requests answered 5xx, in percent, above which someone should look. */
export const serverErrorRatePercent = 5;
/** Fewer requests than this in a period never alarm on rate: two failures of three is noise. */
export const minRequestsForRate = 20;

/**
 * Everything that should wake someone, sent to one SNS topic. Alarms treat missing data as fine,
 * so an idle stack stays quiet (and costs nothing beyond the alarms themselves).
 */
export class Alarms extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'Cairn alarms', enforceSSL: true });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry no tenant data. CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a customer key would cost more than the rest of an idle stack.',
    });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
  }

  /** 5xx answers above `serverErrorRatePercent` of requests, in two of three periods. */
  apiServerErrors(api: HttpApi): Alarm {
    const rate = new MathExpression({
      label: 'API 5xx rate (%)',
      expression: `IF(requests >= ${minRequestsForRate}, 100 * errors / requests, 0)`,
      usingMetrics: {
        errors: api.metricServerError({ period, statistic: 'Sum' }),
        requests: api.metricCount({ period, statistic: 'Sum' }),
      },
      period,
    });
    return this.alarm('Api5xxRate', rate, {
      description: `More than ${serverErrorRatePercent}% of API requests answered 5xx`,
      threshold: serverErrorRatePercent,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }

  /** Any unhandled error (crash, timeout, init failure) and any throttle of one function. */
  functionHealth(name: string, fn: IFunction): void {
    this.alarm(`${name}Errors`, fn.metricErrors({ period, statistic: 'Sum' }), {
      description: `The ${name} function failed (crash, timeout or init error); handled errors are 4xx/5xx responses instead`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    this.alarm(`${name}Throttles`, fn.metricThrottles({ period, statistic: 'Sum' }), {
      description: `The ${name} function was throttled: concurrency is exhausted`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  /** A message in a dead-letter queue is a delivery that gave up. */
  deadLetters(name: string, queue: IQueue): void {
    this.alarm(
      `${name}DeadLetters`,
      queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      {
        description: `${name}: messages reached the dead-letter queue`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      },
    );
  }

  private alarm(
    id: string,
    metric: IMetric,
    options: {
      description: string;
      threshold: number;
      evaluationPeriods: number;
      datapointsToAlarm?: number;
      comparisonOperator: ComparisonOperator;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      alarmDescription: options.description,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods,
      datapointsToAlarm: options.datapointsToAlarm,
      comparisonOperator: options.comparisonOperator,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }
}
