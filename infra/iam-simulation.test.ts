// Tenant isolation decided by IAM's policy logic, offline: the synthesized template's policies (CDK
// output, intrinsics resolved to ARNs in a fake account) evaluated by an IAM policy simulator
// (@cloud-copilot/iam-simulate) for the requests the functions make. What cannot run here is AWS
// itself: STS sets the session tag that the simulator receives as `aws:PrincipalTag/tenant`, and
// DynamoDB computes `dynamodb:LeadingKeys` from the keys a request touches, which these cases give
// from the real key builders. The first deploy's smoke test (`npm run smoke`) checks the rest.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { objectKeys } from '#blobs/keys.ts';
import { type StreamConsumerName, streamConsumers } from '#functions/stream-consumers.ts';
import { tableDefinition } from '#table/definition.ts';
import { keys } from '#table/keys.ts';
import { objectCommandActions, tableCommandActions } from '#table/tenant-guard.ts';
import type { FunctionName } from './bundles.ts';
import { tenantItemActions, tenantObjectActions } from './constructs/tenant-role.ts';
import { type Access, functionAccess } from './function-access.ts';
import { repoRoot } from './paths.ts';
import { defaultSettings } from './settings.ts';
import { CairnStack } from './stack.ts';
import { bucketPolicy, type RolePolicies, resourceNames, rolePolicies } from './testing/template-policies.ts';

type Json = any;
type Decision = 'Allowed' | 'Denied';

const env = { account: '111111111111', region: 'eu-west-1' };
const tenant = 'acme';
/** Another tenant, and one whose id extends the first: `acme-2#…` must not pass `acme#*`. */
const others = ['umbra', 'acme-2'];
const sha = 'ab'.repeat(32);

let stack: CairnStack;
let template: Json;

beforeAll(() => {
  const cdkContext = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')).context;
  // Policies do not depend on the bundles: skip bundling, as the in-process stack tests do.
  const app = new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
  stack = new CairnStack(app, 'Simulated', { settings: defaultSettings, env });
  template = app.synth().getStackByName(stack.stackName).template;
}, 120_000);

const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  Stack.of(construct as never).getLogicalId(construct.node.defaultChild as CfnElement);

/** The stack's ARNs and policies, for one template (the real one, or a deliberately broken copy). */
function world(from: Json) {
  const roles = rolePolicies(from, env);
  const roleOf = (construct: { node: { defaultChild?: unknown } }): RolePolicies => {
    const found = roles.get(logicalId(construct));
    if (!found) throw new Error(`no role ${logicalId(construct)}`);
    return found;
  };
  const functions: Record<string, CairnStack['authorizer']> = {
    ...stack.functions,
    authorizer: stack.authorizer,
    ...(stack.webhookWorker ? { webhookWorker: stack.webhookWorker } : {}),
    ...stack.streamConsumers.functions,
  };
  return {
    table: resourceNames(from, logicalId(stack.data.table), env),
    /** Each stream consumer's own dead-letter queue. */
    streamDeadLetters: Object.fromEntries(
      streamConsumers.map(({ name }) => [
        name,
        resourceNames(from, logicalId(stack.streamConsumers.deadLetters[name]), env).arn,
      ]),
    ) as Record<StreamConsumerName, string>,
    bucket: resourceNames(from, logicalId(stack.data.artifacts), env),
    bucketPolicy: bucketPolicy(from, logicalId(stack.data.artifacts), env),
    bus: resourceNames(from, logicalId(stack.events.bus), env),
    queue: resourceNames(from, logicalId(stack.events.webhooks), env),
    secret: resourceNames(from, logicalId(stack.operatorKey.secret), env),
    tenantRole: roleOf(stack.tenantRole.role),
    functionRoles: Object.fromEntries(
      Object.entries(functions).map(([name, fn]) => [name, roleOf(fn.role)]),
    ) as Record<FunctionName, RolePolicies>,
    logGroups: Object.fromEntries(
      Object.entries(functions).map(([name, fn]) => [
        name,
        resourceNames(from, logicalId(fn.logGroup), env).arn,
      ]),
    ) as Record<FunctionName, string>,
  };
}
type World = ReturnType<typeof world>;

interface Request {
  principal: string;
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

/** IAM's decision for one request, by the given identity policies and resource policy. */
async function decide(
  request: Request,
  identity: RolePolicies['identity'],
  resourcePolicy?: Json,
): Promise<Decision> {
  const answer = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: env.account },
        contextVariables: request.context,
      },
      identityPolicies: identity,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    {},
  );
  if (answer.resultType === 'error') throw new Error(`simulation refused: ${JSON.stringify(answer.errors)}`);
  if (answer.resultType !== 'single') throw new Error(`expected one resource, got ${answer.resultType}`);
  // A context key that does not apply to the action would be dropped, and the case would test nothing.
  expect(answer.result.ignoredContextKeys ?? [], JSON.stringify(request)).toEqual([]);
  return answer.overallResult === 'Allowed' ? 'Allowed' : 'Denied';
}

interface Case extends Request {
  name: string;
  expected: Decision;
}

/** A request made with the tenant role's session for `sessionTenant`, as STS tags it. */
function asTenant(
  w: World,
  sessionTenant: string,
  action: string,
  resource: string,
  context: Request['context'],
) {
  return {
    principal: `arn:aws:sts::${env.account}:assumed-role/${w.tenantRole.arn.split('/').pop()}/${sessionTenant}`,
    action,
    resource,
    context: { 'aws:PrincipalTag/tenant': sessionTenant, ...context },
  };
}

/** A tenant's data partitions (table) and index partitions (GSI), from the real key builders. */
const partitionsOf = (t: string) => [
  keys.experimentsOf(t),
  keys.run(t, 'r1').pk,
  keys.datasetPartition(t, 'KEYS'), // a dataset named like key management is still tenant data
  keys.modelPartition(t, 'm1'),
  keys.auditLog(t),
  keys.blob(t, sha).pk,
  keys.webhooksOf(t),
];
const indexPartitionsOf = (t: string) => [
  keys.runsOfExperiment(t, '1', 0),
  keys.loggedModelsOfExperiment(t, '1'),
];
const keyManagementPartitions = (t: string) => [
  keys.tenant(t).pk,
  keys.apiKeysOf(t),
  keys.apiKeyHash(sha).pk,
];

/** Every IAM action the functions' table commands are authorized by. */
const tableActions = [...new Set(Object.values(tableCommandActions).flat())].filter(
  (action) => action !== 'dynamodb:Scan', // only the local stack's maintenance sweep scans
);

/** The cases that decide tenant isolation in the data plane, for the tenant role. */
function tenantCases(w: World): Case[] {
  const cases: Case[] = [];
  const add = (name: string, expected: Decision, request: Request) =>
    cases.push({ name, expected, ...request });
  const tableArn = w.table.arn;
  const indexArns = tableDefinition.globalSecondaryIndexes.map(
    (index) => `${tableArn}/index/${index.indexName}`,
  );
  const leading = (values: string[]) => ({ 'dynamodb:LeadingKeys': values });

  for (const action of tableActions) {
    for (const partition of partitionsOf(tenant))
      add(
        `${action} own ${partition}`,
        'Allowed',
        asTenant(w, tenant, action, tableArn, leading([partition])),
      );
    for (const other of others)
      for (const partition of partitionsOf(other))
        add(
          `${action} other ${partition}`,
          'Denied',
          asTenant(w, tenant, action, tableArn, leading([partition])),
        );
    for (const partition of keyManagementPartitions(tenant))
      add(
        `${action} key management ${partition}`,
        'Denied',
        asTenant(w, tenant, action, tableArn, leading([partition])),
      );
    add(`${action} with no leading keys`, 'Denied', asTenant(w, tenant, action, tableArn, {}));
  }
  for (const action of ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem']) {
    add(
      `${action} own items only`,
      'Allowed',
      asTenant(w, tenant, action, tableArn, leading(partitionsOf(tenant))),
    );
    add(
      `${action} one other item among own`,
      'Denied',
      asTenant(w, tenant, action, tableArn, leading([...partitionsOf(tenant), keys.run('umbra', 'r1').pk])),
    );
  }
  for (const index of indexArns) {
    for (const partition of indexPartitionsOf(tenant))
      add(
        `Query ${index} own ${partition}`,
        'Allowed',
        asTenant(w, tenant, 'dynamodb:Query', index, leading([partition])),
      );
    for (const other of others)
      for (const partition of indexPartitionsOf(other))
        add(
          `Query ${index} other ${partition}`,
          'Denied',
          asTenant(w, tenant, 'dynamodb:Query', index, leading([partition])),
        );
  }
  for (const action of [
    'dynamodb:Scan',
    'dynamodb:PartiQLSelect',
    'dynamodb:DeleteTable',
    'dynamodb:UpdateTable',
  ])
    add(`${action} never`, 'Denied', asTenant(w, tenant, action, tableArn, {}));

  // Objects: what the functions send, and what a presigned URL makes S3 do. A presigned URL carries
  // the signer's credentials: S3 authorizes the request the URL makes as the tenant session that
  // signed it, so a URL outside the tenant's prefix is refused however it was built.
  const secure = { 'aws:SecureTransport': 'true' };
  const objectArn = (key: string) => `${w.bucket.arn}/${key}`;
  const objectActions = [...new Set(Object.values(objectCommandActions).flat())].filter(
    (action) => action !== 's3:ListBucket',
  );
  // Blobs, and the staged objects of multipart uploads that the verifier reads, copies and deletes.
  const objectsOf = (t: string) => ({
    blob: objectKeys.blob(t, sha),
    'staged object': objectKeys.staging(t, 'x1'),
  });
  for (const action of objectActions) {
    for (const [what, key] of Object.entries(objectsOf(tenant)))
      add(`${action} own ${what}`, 'Allowed', asTenant(w, tenant, action, objectArn(key), secure));
    for (const other of others)
      for (const [what, key] of Object.entries(objectsOf(other)))
        add(`${action} ${other}'s ${what}`, 'Denied', asTenant(w, tenant, action, objectArn(key), secure));
  }
  add(
    'presigned PUT of own blob',
    'Allowed',
    asTenant(w, tenant, 's3:PutObject', objectArn(objectKeys.blob(tenant, sha)), secure),
  );
  add(
    "presigned PUT of another tenant's blob",
    'Denied',
    asTenant(w, tenant, 's3:PutObject', objectArn(objectKeys.blob('umbra', sha)), secure),
  );
  add(
    "presigned GET of another tenant's blob",
    'Denied',
    asTenant(w, tenant, 's3:GetObject', objectArn(objectKeys.blob('umbra', sha)), secure),
  );
  add(
    'any object over plain HTTP',
    'Denied',
    asTenant(w, tenant, 's3:GetObject', objectArn(objectKeys.blob(tenant, sha)), {
      'aws:SecureTransport': 'false',
    }),
  );
  add(
    'object in the bucket root',
    'Denied',
    asTenant(w, tenant, 's3:PutObject', objectArn('blobs/sha256/x'), secure),
  );

  const list = (prefix: string | undefined) =>
    asTenant(w, tenant, 's3:ListBucket', w.bucket.arn, {
      ...secure,
      ...(prefix === undefined ? {} : { 's3:prefix': prefix }),
    });
  add('ListBucket own prefix', 'Allowed', list(`${tenant}/`));
  add('ListBucket under own prefix', 'Allowed', list(`${tenant}/blobs/`));
  for (const prefix of ['umbra/', 'acme-2/', tenant, '', undefined])
    add(`ListBucket prefix ${JSON.stringify(prefix)}`, 'Denied', list(prefix));
  for (const action of ['s3:DeleteBucket', 's3:PutBucketPolicy', 's3:ListAllMyBuckets'])
    add(
      `${action} never`,
      'Denied',
      asTenant(w, tenant, action, action === 's3:ListAllMyBuckets' ? '*' : w.bucket.arn, secure),
    );
  return cases;
}

async function violations(w: World, cases: Case[]): Promise<string[]> {
  const found: string[] = [];
  for (const c of cases) {
    const resourcePolicy = c.action.startsWith('s3:') && c.resource !== '*' ? w.bucketPolicy : undefined;
    const decision = await decide(c, w.tenantRole.identity, resourcePolicy);
    if (decision !== c.expected) found.push(`${c.name}: ${decision}, expected ${c.expected}`);
  }
  return found;
}

/** The same cases against a deliberately broken copy of the template, to show they can fail. */
function broken(change: (template: Json) => void): Json {
  const copy = structuredClone(template);
  change(copy);
  return copy;
}

function tenantRoleStatement(copy: Json, sid: string): Json {
  const role = copy.Resources[logicalId(stack.tenantRole.role)];
  const statement = role.Properties.Policies.flatMap((policy: Json) => policy.PolicyDocument.Statement).find(
    (each: Json) => each.Sid === sid,
  );
  if (!statement) throw new Error(`no statement ${sid}`);
  return statement;
}

describe('IAM policy simulation of the synthesized stack', () => {
  describe('the tenant role, assumed with session tag tenant=acme', () => {
    it('allows every table and object action the functions use on its own keys, and nothing of another tenant', async () => {
      const w = world(template);
      const cases = tenantCases(w);
      expect(cases.length).toBeGreaterThan(200);
      expect(await violations(w, cases)).toEqual([]);
    }, 120_000);

    it('grants exactly the actions the functions use: each table and object command maps to a granted action', () => {
      for (const [command, actions] of Object.entries(tableCommandActions)) {
        if (command === 'ScanCommand') continue;
        for (const action of actions) expect(tenantItemActions, command).toContain(action);
      }
      for (const [command, actions] of Object.entries(objectCommandActions)) {
        for (const action of actions) {
          if (action === 's3:ListBucket') continue;
          expect(tenantObjectActions, command).toContain(action);
        }
      }
    });

    it('catches a broken policy: no LeadingKeys condition, a wildcard object prefix, no Null check', async () => {
      const noLeadingKeys = world(
        broken((copy) => {
          delete tenantRoleStatement(copy, 'TenantItems').Condition;
        }),
      );
      const found = await violations(noLeadingKeys, tenantCases(noLeadingKeys));
      expect(found).toEqual(
        expect.arrayContaining([expect.stringMatching(/^dynamodb:GetItem other umbra#RUN#r1: Allowed/)]),
      );
      expect(found).toEqual(
        expect.arrayContaining([expect.stringMatching(/^Query .*index\/gsi1 other umbra#/)]),
      );

      const anyObject = world(
        broken((copy) => {
          tenantRoleStatement(copy, 'TenantObjects').Resource = {
            'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.data.artifacts), 'Arn'] }, '/*']],
          };
        }),
      );
      expect(await violations(anyObject, tenantCases(anyObject))).toEqual(
        expect.arrayContaining([expect.stringMatching(/^s3:PutObject umbra's blob: Allowed/)]),
      );

      const vacuous = world(
        broken((copy) => {
          delete tenantRoleStatement(copy, 'TenantItems').Condition.Null;
        }),
      );
      expect(await violations(vacuous, tenantCases(vacuous))).toEqual(
        expect.arrayContaining([expect.stringMatching(/with no leading keys: Allowed/)]),
      );
    }, 120_000);

    it('is assumable only by the functions declared tenantData, only with exactly the tenant tag', async () => {
      const w = world(template);
      const assume = (name: FunctionName, context: Request['context']) =>
        decide(
          {
            principal: `arn:aws:sts::${env.account}:assumed-role/${w.functionRoles[name].arn.split('/').pop()}/${name}`,
            action: 'sts:AssumeRole',
            resource: w.tenantRole.arn,
            context,
          },
          w.functionRoles[name].identity,
          w.tenantRole.trust,
        );
      const tagged = { 'aws:RequestTag/tenant': tenant, 'aws:TagKeys': ['tenant'] };
      for (const name of Object.keys(w.functionRoles) as FunctionName[]) {
        const declared = (functionAccess[name] as readonly Access[]).includes('tenantData');
        expect(await assume(name, tagged), name).toBe(declared ? 'Allowed' : 'Denied');
      }
      expect(
        await assume('runs', { 'aws:RequestTag/tenant': tenant, 'aws:TagKeys': ['tenant', 'role'] }),
      ).toBe('Denied');
      expect(await assume('runs', { 'aws:TagKeys': [] })).toBe('Denied');
      expect(await assume('runs', { 'aws:RequestTag/tenant': '', 'aws:TagKeys': ['tenant'] })).toBe('Denied');
    }, 60_000);
  });

  describe("each function's own role", () => {
    /** The requests that tell each kind of access apart; each is allowed exactly where declared. */
    function probes(
      w: World,
      name: FunctionName,
    ): {
      access: Access | 'none' | 'logs';
      also?: Access;
      request: Omit<Request, 'principal'>;
      resourcePolicy?: Json;
    }[] {
      const table = w.table.arn;
      const leading = (values: string[]) => ({ 'dynamodb:LeadingKeys': values });
      return [
        {
          access: 'logs',
          request: {
            action: 'logs:PutLogEvents',
            resource: `${w.logGroups[name].replace(/:\*$/, '')}:log-stream:x`,
            context: {},
          },
        },
        {
          access: 'keyManagement',
          request: {
            action: 'dynamodb:PutItem',
            resource: table,
            context: leading([keys.tenant(tenant).pk]),
          },
        },
        {
          access: 'keyManagement',
          request: { action: 'dynamodb:Query', resource: table, context: leading([keys.apiKeysOf(tenant)]) },
        },
        {
          access: 'keyManagement',
          request: {
            action: 'dynamodb:DeleteItem',
            resource: table,
            context: leading([keys.apiKeyHash(sha).pk]),
          },
        },
        {
          access: 'keyLookup',
          also: 'keyManagement', // key management covers the lookups it writes
          request: {
            action: 'dynamodb:GetItem',
            resource: table,
            context: leading([keys.apiKeyHash(sha).pk]),
          },
        },
        {
          access: 'keyLookup',
          also: 'keyManagement',
          request: {
            action: 'dynamodb:UpdateItem',
            resource: table,
            context: leading([keys.apiKeysOf(tenant)]),
          },
        },
        {
          access: 'operatorSecret',
          request: { action: 'secretsmanager:GetSecretValue', resource: w.secret.arn, context: {} },
        },
        {
          access: 'publishEvents',
          request: { action: 'events:PutEvents', resource: w.bus.arn, context: {} },
        },
        {
          access: 'queueWebhooks',
          request: { action: 'sqs:SendMessage', resource: w.queue.arn, context: {} },
        },
        // The stream consumers' event sources: the stream read, and each consumer's own queue.
        ...['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream'].map((action) => ({
          access: 'readStream' as const,
          request: { action, resource: w.table.streamArn!, context: {} },
        })),
        ...streamConsumers.map((consumer) => ({
          access: consumer.name === name ? ('streamDeadLetters' as const) : ('none' as const),
          request: { action: 'sqs:SendMessage', resource: w.streamDeadLetters[consumer.name], context: {} },
        })),
        {
          access: 'tenantData',
          request: {
            action: 'sts:AssumeRole',
            resource: w.tenantRole.arn,
            context: { 'aws:RequestTag/tenant': tenant, 'aws:TagKeys': ['tenant'] },
          },
          resourcePolicy: w.tenantRole.trust,
        },
        // No function reaches tenant data or objects with its own role, only through the tenant role.
        ...[...partitionsOf(tenant), keys.datasetPartition(tenant, 'KEYS')].flatMap((partition) =>
          ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem'].map(
            (action) => ({
              access: 'none' as const,
              request: { action, resource: table, context: leading([partition]) },
            }),
          ),
        ),
        {
          access: 'none',
          request: {
            action: 'dynamodb:Query',
            resource: `${table}/index/gsi1`,
            context: leading([indexPartitionsOf(tenant)[0]!]),
          },
        },
        {
          access: 'none',
          request: {
            action: 's3:GetObject',
            resource: `${w.bucket.arn}/${objectKeys.blob(tenant, sha)}`,
            context: { 'aws:SecureTransport': 'true' },
          },
          resourcePolicy: w.bucketPolicy,
        },
        {
          access: 'none',
          request: {
            action: 's3:PutObject',
            resource: `${w.bucket.arn}/${objectKeys.blob(tenant, sha)}`,
            context: { 'aws:SecureTransport': 'true' },
          },
          resourcePolicy: w.bucketPolicy,
        },
        { access: 'none', request: { action: 'sqs:ReceiveMessage', resource: w.queue.arn, context: {} } },
        {
          access: 'none',
          request: { action: 'secretsmanager:PutSecretValue', resource: w.secret.arn, context: {} },
        },
        { access: 'none', request: { action: 'dynamodb:Scan', resource: table, context: {} } },
      ];
    }

    it('allows each function exactly the access functionAccess declares, and denies the rest', async () => {
      const w = world(template);
      const wrong: string[] = [];
      for (const name of Object.keys(w.functionRoles) as FunctionName[]) {
        const declared = functionAccess[name] as readonly Access[];
        for (const probe of probes(w, name)) {
          const expected =
            probe.access === 'logs' ||
            (probe.access !== 'none' && declared.includes(probe.access)) ||
            (probe.also !== undefined && declared.includes(probe.also))
              ? 'Allowed'
              : 'Denied';
          // The delivery worker consumes its queue by its event source; nobody else may.
          if (name === 'webhookWorker' && probe.request.action === 'sqs:ReceiveMessage') continue;
          const decision = await decide(
            {
              principal: `arn:aws:sts::${env.account}:assumed-role/${w.functionRoles[name].arn.split('/').pop()}/${name}`,
              ...probe.request,
            },
            w.functionRoles[name].identity,
            probe.resourcePolicy,
          );
          if (decision !== expected)
            wrong.push(
              `${name} ${probe.request.action} ${JSON.stringify(probe.request.context)}: ${decision}`,
            );
        }
      }
      expect(wrong).toEqual([]);
    }, 120_000);

    it('keeps each function to its own log group', async () => {
      const w = world(template);
      const runs = w.functionRoles.runs;
      const decision = await decide(
        {
          principal: `arn:aws:sts::${env.account}:assumed-role/${runs.arn.split('/').pop()}/runs`,
          action: 'logs:PutLogEvents',
          resource: `${w.logGroups.tenants.replace(/:\*$/, '')}:log-stream:x`,
          context: {},
        },
        runs.identity,
      );
      expect(decision).toBe('Denied');
    });

    it("catches the old key-management patterns: *#KEYS reached a tenant's dataset named KEYS", async () => {
      const w = world(template);
      const request = (role: RolePolicies) => ({
        principal: `arn:aws:sts::${env.account}:assumed-role/${role.arn.split('/').pop()}/tenants`,
        action: 'dynamodb:GetItem',
        resource: w.table.arn,
        context: { 'dynamodb:LeadingKeys': [keys.datasetPartition(tenant, 'KEYS')] },
      });
      expect(await decide(request(w.functionRoles.tenants), w.functionRoles.tenants.identity)).toBe('Denied');

      const old = world(
        broken((copy) => {
          const policy = Object.values<Json>(copy.Resources).find(
            (resource) =>
              resource.Type === 'AWS::IAM::Policy' &&
              resource.Properties.Roles.some(
                (role: Json) => role.Ref === logicalId(stack.functions.tenants!.role),
              ),
          );
          const statement = policy.Properties.PolicyDocument.Statement.find(
            (each: Json) => each.Sid === 'KeyManagement',
          );
          statement.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys'] = [
            'KEYHASH#*',
            '*#TENANT',
            '*#KEYS',
          ];
        }),
      );
      expect(await decide(request(old.functionRoles.tenants), old.functionRoles.tenants.identity)).toBe(
        'Allowed',
      );
    });
  });
});
