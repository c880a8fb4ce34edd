import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { bucketCors } from '#blobs/bucket.ts';
import { tableDefinition } from '#table/definition.ts';

export interface DataProps {
  ephemeral: boolean;
  logRetentionDays: number;
}

/**
 * The stateful part of Cairn: the one table, built from the same definition as the local stack, and
 * the artifact bucket. Both are retained on stack deletion unless the stack is ephemeral.
 */
export class Data extends Construct {
  readonly table: Table;
  readonly artifacts: Bucket;
  /** Receives S3 server access logs of every bucket in the stack. */
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    const removalPolicy = props.ephemeral ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const def = tableDefinition;

    this.table = new Table(this, 'Table', {
      partitionKey: { name: def.partitionKey, type: AttributeType.STRING },
      sortKey: { name: def.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: def.timeToLiveAttribute,
      stream: StreamViewType[def.streamViewType],
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // An AWS-owned key: encrypted at rest with no KMS charge per request.
      encryption: TableEncryption.DEFAULT,
      deletionProtection: !props.ephemeral,
      removalPolicy,
    });
    for (const index of def.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.logRetentionDays) }],
      removalPolicy,
      autoDeleteObjects: props.ephemeral,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });

    this.artifacts = new Bucket(this, 'Artifacts', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Blobs are content-addressed and never overwritten; versions only guard against deletes.
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { noncurrentVersionExpiration: Duration.days(30) },
      ],
      removalPolicy,
      autoDeleteObjects: props.ephemeral,
    });
  }

  /**
   * Lets browsers on these origins upload and download with presigned URLs, reading each part's
   * ETag. The local stack allows any origin; here the dashboard's origin is known, so only it is.
   */
  allowBrowserOrigins(origins: string[]): void {
    this.artifacts.addCorsRule({
      allowedOrigins: origins,
      allowedMethods: bucketCors.allowedMethods.map((method) => HttpMethods[method]),
      allowedHeaders: [...bucketCors.allowedHeaders],
      exposedHeaders: [...bucketCors.exposedHeaders],
      maxAge: bucketCors.maxAgeSeconds,
    });
  }
}
