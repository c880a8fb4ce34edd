import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { keyManagementPrefixes } from '#table/keys.ts';

/**
 * The partitions that belong to API-key management rather than to one tenant's data, as
 * `dynamodb:LeadingKeys` patterns: the hash lookups, and each tenant's tenant item and key list.
 * Each starts with an upper-case word that no (lower-case) tenant partition can start with.
 */
export const keyPartitions = {
  hashLookup: `${keyManagementPrefixes.hashLookup}*`,
  tenant: `${keyManagementPrefixes.tenant}*`,
  keyList: `${keyManagementPrefixes.keyList}*`,
} as const;

const leadingKeys = (patterns: string[]) => ({
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns },
  Null: { 'dynamodb:LeadingKeys': 'false' },
});

/**
 * For the domain that creates tenants and keys (`tenants`): key management spans tenants (an
 * operator creates a tenant that has no credentials yet) and writes the hash lookups, so it uses
 * its own role, confined to the key-management partitions. It cannot read a run or a metric.
 */
export function grantKeyManagement(role: IRole, table: ITable): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'KeyManagement',
      actions: [
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:ConditionCheckItem',
      ],
      resources: [table.tableArn],
      conditions: leadingKeys(Object.values(keyPartitions)),
    }),
  );
}

/** For the authorizer: find a key by its hash, and record when the key was last used. */
export function grantAuthorizerLookups(role: IRole, table: ITable): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'FindKeyByHash',
      actions: ['dynamodb:GetItem'],
      resources: [table.tableArn],
      conditions: leadingKeys([keyPartitions.hashLookup]),
    }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'TouchKey',
      actions: ['dynamodb:UpdateItem'],
      resources: [table.tableArn],
      conditions: leadingKeys([keyPartitions.keyList]),
    }),
  );
}
