import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import {
  ArnPrincipal,
  CompositePrincipal,
  type IRole,
  PolicyDocument,
  PolicyStatement,
  PrincipalWithConditions,
  Role,
} from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { tenantSessionTag } from '#table/tenant-credentials.ts';

/** The tenant of the session, as IAM sees it: the tag the function set when it assumed the role. */
export const sessionTenant = `\${aws:PrincipalTag/${tenantSessionTag}}`;

/** Every item action a domain uses; each is checked against `dynamodb:LeadingKeys`. No Scan, no PartiQL. */
export const tenantItemActions = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

/** What a presigned URL or a handler may do to a tenant's objects. */
export const tenantObjectActions = [
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];

/** How cdk-nag names a resource's ARN in a finding: `<LogicalId.Arn>`. */
function arnOf(resource: ITable | IBucket): string {
  const element = resource.node.defaultChild as CfnElement;
  return `${Stack.of(resource).getLogicalId(element)}.Arn`;
}

export interface TenantRoleProps {
  table: ITable;
  bucket: IBucket;
  /** The function roles that do tenant work; only they may assume this role. */
  trustedRoles: IRole[];
}

/**
 * Defence in depth for tenant isolation. A function assumes this role through STS with the session
 * tag `tenant=<tenantId>`, and the resulting credentials reach only items whose partition key (of
 * the table or of any index) starts with `<tenantId>#` and only objects under `<tenantId>/`. A bug
 * that builds another tenant's key, or signs a URL outside the tenant's prefix, is refused by IAM.
 */
export class TenantRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: TenantRoleProps) {
    super(scope, id);
    const { table, bucket } = props;
    const trust = new PrincipalWithConditions(
      new CompositePrincipal(...props.trustedRoles.map((role) => new ArnPrincipal(role.roleArn))),
      {
        // The tag must be set, and be the only one, so a session cannot claim extra attributes.
        StringLike: { [`aws:RequestTag/${tenantSessionTag}`]: '?*' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [tenantSessionTag] },
      },
    ).withSessionTags();

    this.role = new Role(this, 'Role', {
      description: 'Tenant-scoped access: assumed per request with the session tag tenant=<tenantId>',
      assumedBy: trust,
      // Role chaining (Lambda role → this role) caps sessions at one hour.
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        tenantData: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: 'TenantItems',
              actions: tenantItemActions,
              resources: [table.tableArn, `${table.tableArn}/index/*`],
              conditions: {
                'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${sessionTenant}#*`] },
                // ForAllValues holds vacuously when the key is absent; require it.
                Null: { 'dynamodb:LeadingKeys': 'false' },
              },
            }),
            new PolicyStatement({
              sid: 'TenantObjects',
              actions: tenantObjectActions,
              resources: [`${bucket.bucketArn}/${sessionTenant}/*`],
            }),
            new PolicyStatement({
              sid: 'TenantListing',
              actions: ['s3:ListBucket'],
              resources: [bucket.bucketArn],
              conditions: { StringLike: { 's3:prefix': [`${sessionTenant}/*`] } },
            }),
          ],
        }),
      },
    });
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${arnOf(table)}>/index/*]`,
      reason:
        'Every index partition key starts with the tenant id too; dynamodb:LeadingKeys confines each query to the tenant.',
    });
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${arnOf(bucket)}>/<aws:PrincipalTag/${tenantSessionTag}>/*]`,
      reason:
        "Objects under the session's own tenant prefix only: the wildcard is the tenant's object keys, never another tenant's.",
    });
  }
}
