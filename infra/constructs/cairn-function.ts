import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { lockFile, repoRoot } from '../paths.ts';

export interface CairnFunctionProps {
  /** A TypeScript file exporting `handler`. */
  entry: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  reservedConcurrentExecutions?: number | undefined;
}

// esbuild's ESM output cannot `require` Node built-ins from bundled CommonJS; this gives it one.
const requireShim = "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);";

/**
 * One Lambda function as every Cairn function is deployed: Node 24 on arm64, an ESM bundle built by
 * the local esbuild (never Docker), minified with source maps, its own role and a log group with
 * bounded retention. The role starts with nothing but writing its own logs; callers grant the rest.
 */
export class CairnFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: CairnFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole, which may write to every log group.
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      projectRoot: repoRoot,
      depsLockFilePath: lockFile,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        banner: requireShim,
        // The Node 24 runtime ships the AWS SDK v3; leaving it out keeps bundles small and cold starts short.
        bundleAwsSDK: false,
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
      },
    });
  }
}
