import { AssetHashType, DockerImage, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bundleSync, type FunctionName, functionSpecs, lambdaHandler, writeBundle } from '../bundles.ts';
import { repoRoot } from '../paths.ts';

export interface CairnFunctionProps {
  /** Which of `functionSpecs` this is: its entry, timeout and memory. */
  bundle: FunctionName;
  description: string;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  reservedConcurrentExecutions?: number | undefined;
}

/**
 * A function's code: the bundle `infra/bundles.ts` builds, made by CDK's local bundling hook (never
 * Docker) and identified by a hash of its output, so the asset is exactly the bytes the local
 * stack runs. Skipped where the stack is synthesized without bundling (`bundling-stacks`).
 */
export function bundledCode(name: FunctionName): Code {
  return Code.fromAsset(repoRoot, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: the local hook always bundles. The command tells functions apart in CDK's cache.
      image: DockerImage.fromRegistry('cairn-local-esbuild'),
      command: ['esbuild', name],
      local: {
        tryBundle(outputDir) {
          writeBundle(bundleSync(name), outputDir);
          return true;
        },
      },
    },
  });
}

/**
 * One Lambda function as every Cairn function is deployed: Node 24 on arm64, its bundle from
 * `infra/bundles.ts` with source maps on, its own role and a log group with bounded retention.
 * The role starts with nothing but writing its own logs; callers grant the rest.
 */
export class CairnFunction extends Construct {
  readonly fn: LambdaFunction;
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

    const spec = functionSpecs[props.bundle];
    this.fn = new LambdaFunction(this, 'Function', {
      code: bundledCode(props.bundle),
      handler: lambdaHandler,
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    });
  }
}
