import { type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { operatorKeyPrefix } from '#functions/tenants/operator-secret.ts';

export interface OperatorKeyProps {
  removalPolicy: RemovalPolicy;
}

/**
 * The first operator key, generated at deploy inside Secrets Manager: 43 letters and digits are
 * 256 bits, and `cairn_<value>` is a valid Cairn API key that the authorizer accepts as an operator.
 * Nobody sees it until they read the secret with their own AWS credentials.
 */
export class OperatorKey extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: OperatorKeyProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: `Cairn operator API key: the key is "${operatorKeyPrefix}" followed by this value`,
      generateSecretString: {
        passwordLength: 43,
        excludePunctuation: true,
        includeSpace: false,
        requireEachIncludedType: true,
      },
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'An API key, not a database password: no service consumes it to rotate against. Operators rotate it with put-secret-value (docs/aws.md); authorizers pick the new value up within minutes.',
    });
  }

  allowRead(grantee: IGrantable): void {
    this.secret.grantRead(grantee);
  }

  /** The AWS CLI command that prints the whole key. */
  get readCommand(): string {
    const region = Stack.of(this).region;
    return `aws secretsmanager get-secret-value --region ${region} --secret-id ${this.secret.secretArn} --query "join('', ['${operatorKeyPrefix}', SecretString])" --output text`;
  }
}
