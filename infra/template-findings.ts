/**
 * The one reviewed list of cfn-lint and checkov findings on the synthesized template that Cairn
 * accepts, each with its reason. `infra/template-lint.test.ts` runs both tools in `npm test` and
 * fails on any finding not listed here, and on any entry here that no longer matches a finding.
 * cdk-nag's acknowledgements live beside the constructs they concern (`Validations.acknowledge`).
 */
export interface AcceptedFinding {
  tool: 'cfn-lint' | 'checkov';
  /** The rule: `W3005`, `CKV_AWS_119`. */
  rule: string;
  /** The CloudFormation type of the resources it is accepted for. */
  type: string;
  /** Their logical ids; every resource of the type when absent. */
  logicalId?: RegExp;
  reason: string;
}

const cdkBucketDeployment = /^CustomCDKBucketDeployment/;

export const acceptedFindings: readonly AcceptedFinding[] = [
  {
    tool: 'cfn-lint',
    rule: 'W3005',
    type: 'AWS::Lambda::Function',
    reason:
      'CDK writes DependsOn the role and its default policy; the role is also referenced. The redundant edge is harmless and CDK-generated.',
  },
  {
    tool: 'cfn-lint',
    rule: 'W3005',
    type: 'AWS::ApiGatewayV2::ApiMapping',
    reason:
      "CDK's HttpStage writes DependsOn the custom domain it also references; the redundant edge is harmless and CDK-generated.",
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_119',
    type: 'AWS::DynamoDB::Table',
    reason:
      'Encrypted at rest with an AWS-owned key: a customer-managed KMS key would add a charge to every request of the hot path, and access is confined by IAM (tenant role, LeadingKeys).',
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_18',
    type: 'AWS::S3::Bucket',
    logicalId: /^DataAccessLogs/,
    reason: 'This is the access-log bucket itself; logging it into itself would loop.',
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_21',
    type: 'AWS::S3::Bucket',
    logicalId: /^(DataAccessLogs|DashboardSite)/,
    reason:
      'Access logs expire by lifecycle and are written once; the dashboard bucket holds a build output that every deploy re-uploads. The artifact bucket is versioned.',
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_27',
    type: 'AWS::SQS::Queue',
    reason:
      "Encrypted at rest with SQS-managed keys (SqsManagedSseEnabled), which checkov does not recognise; messages carry delivery references, and the stream consumers' dead-letter queues stream record positions, not payloads.",
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_149',
    type: 'AWS::SecretsManager::Secret',
    reason:
      "Encrypted with Secrets Manager's AWS-managed key; reading it needs GetSecretValue, granted to the authorizer only.",
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_68',
    type: 'AWS::CloudFront::Distribution',
    reason:
      'The distribution serves public static files only; a web ACL ($5+/month) would be most of an idle bill. Data requests go to the API, throttled per stage (cdk-nag CFR2, same reason).',
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_86',
    type: 'AWS::CloudFront::Distribution',
    reason:
      'Standard logging needs an ACL-enabled bucket; the files are public and every data request is logged at the API (cdk-nag CFR3, same reason).',
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_174',
    type: 'AWS::CloudFront::Distribution',
    reason:
      'The default *.cloudfront.net certificate cannot be pinned to TLS 1.2; with cairn:webDomainName the distribution requires TLSv1.2_2021 (cdk-nag CFR4, same reason).',
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_158',
    type: 'AWS::Logs::LogGroup',
    reason:
      'CloudWatch Logs encrypts every log group at rest; a KMS key per log group adds cost and a key policy for no reader we do not already control by IAM. Logs never hold API keys.',
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_116',
    type: 'AWS::Lambda::Function',
    reason:
      "A Lambda dead-letter queue applies to asynchronous invocations only: API functions and the authorizer are invoked synchronously by API Gateway, the webhook worker by an SQS event source whose queue has its own dead-letter queue, the stream consumers by DynamoDB stream event sources whose on-failure destination is each consumer's own queue, and the CDK deployment handler by CloudFormation.",
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_117',
    type: 'AWS::Lambda::Function',
    reason:
      'The functions reach only AWS service endpoints (DynamoDB, S3, STS, EventBridge, SQS, Secrets Manager) and webhook receivers on the internet; a VPC would need NAT for those, at a fixed hourly cost, and protect nothing here.',
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_115',
    type: 'AWS::Lambda::Function',
    reason:
      'Reserved concurrency is a setting (cairn:reservedConcurrency), off by default because new accounts cannot reserve any (Lambda keeps 100 units unreserved); the API stage throttles every function.',
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_173',
    type: 'AWS::Lambda::Function',
    reason:
      'Lambda encrypts environment variables at rest with an AWS-managed key; they hold names and ARNs only, never secrets (the operator key is read from Secrets Manager).',
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_111',
    type: 'AWS::IAM::Policy',
    logicalId: cdkBucketDeployment,
    reason:
      "CDK BucketDeployment's handler, run at deploy only: CloudFront invalidations cannot be scoped to a distribution (cdk-nag IAM5, reviewed in infra/constructs/dashboard.ts).",
  },
  {
    tool: 'checkov',
    rule: 'CKV_AWS_26',
    type: 'AWS::SNS::Topic',
    reason:
      'The alarm topic carries alarm names and states, no data; a KMS key for it would need a key policy for CloudWatch and a monthly charge.',
  },
];
