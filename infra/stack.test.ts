// Invariants of the generated AWS stack, not snapshots. What AWS itself does with the template (STS
// session tags, IAM evaluation, CloudFront, EventBridge) cannot run here: these tests check our side
// of each contract, i.e. that the template asks for exactly the designed behaviour.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantPrefix } from '#blobs/bucket.ts';
import { domains, routeKey, routes } from '#functions/routes.ts';
import { streamConsumers } from '#functions/stream-consumers.ts';
import { tableDefinition } from '#table/definition.ts';
import { keys } from '#table/keys.ts';
import { bundleFile, type FunctionName, functionNames } from './bundles.ts';
import { addChecks } from './cairn-app.ts';
import type { CairnFunction } from './constructs/cairn-function.ts';
import { keyPartitions } from './constructs/key-management-access.ts';
import { sessionTenant, tenantItemActions, tenantObjectActions } from './constructs/tenant-role.ts';
import { type Access, functionAccess } from './function-access.ts';
import { repoRoot } from './paths.ts';
import { defaultSettings, type Settings } from './settings.ts';
import { CairnStack } from './stack.ts';

type Json = any;

// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, spelled as IAM reads it
const tenantVariable = '${aws:PrincipalTag/tenant}';

const cdkContext = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')).context;
const env = { account: '111111111111', region: 'eu-west-1' };

let workDir: string;
let assembly: CloudAssembly | undefined;
let synthError: unknown;
let stacks: { plain: CairnStack; custom: CairnStack };
let cliSynth: Promise<{ code: number | null; output: string; ms: number }>;

/** An environment with no AWS credentials, profile or endpoint at all. */
function withoutAws(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!/^(AWS_|CDK_)/.test(name)) clean[name] = value;
  return {
    ...clean,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

function runCliSynth(outdir: string) {
  const started = performance.now();
  return new Promise<{ code: number | null; output: string; ms: number }>((resolveRun) => {
    const child: ChildProcess = spawn('npx', ['cdk', 'synth', '--quiet', '--output', outdir], {
      cwd: repoRoot,
      env: withoutAws(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.on('close', (code) => resolveRun({ code, output, ms: performance.now() - started }));
  });
}

beforeAll(() => {
  mkdirSync(join(repoRoot, 'cdk.out'), { recursive: true });
  // Inside the repository, so that the bundles below resolve the AWS SDK as the Lambda runtime would.
  workDir = mkdtempSync(join(repoRoot, 'cdk.out', 'test-'));
  // The CLI synth runs beside the in-process one; both are CPU-bound, neither needs the other.
  cliSynth = runCliSynth(join(workDir, 'cli'));

  const web = join(workDir, 'web-out');
  mkdirSync(web);
  writeFileSync(join(web, 'index.html'), '<!doctype html><head><title>Cairn</title></head>');
  writeFileSync(join(web, '404.html'), '<!doctype html><head><title>Not found</title></head>');

  // Bundling is the slow part of synth: the CLI synth above bundles every function for real (and
  // the bundle test runs its output), so the in-process stacks skip it.
  const app = new App({
    context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] },
    outdir: join(workDir, 'app'),
  });
  addChecks(app);
  const customSettings: Settings = {
    ...defaultSettings,
    ephemeral: true,
    alarmEmail: 'ops@example.com',
    corsOrigins: ['http://localhost:3000'],
    reservedConcurrency: { tenants: 5, authorizer: 10 },
    apiDomain: {
      name: 'api.ml.example.com',
      certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
    },
    webDomain: {
      name: 'ml.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/def',
    },
    webAssets: web,
  };
  stacks = {
    plain: new CairnStack(app, 'Plain', { settings: defaultSettings, env }),
    custom: new CairnStack(app, 'Custom', { settings: customSettings, env, webhookWorker: undefined }),
  };
  try {
    assembly = app.synth();
  } catch (error) {
    synthError = error;
  }
}, 180_000);

afterAll(async () => {
  // The CLI writes into the folder: let it finish before the folder goes.
  await cliSynth?.catch(() => undefined);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 240_000);

function template(stack: CairnStack): Template {
  if (!assembly) throw new Error(`synth failed: ${String(synthError)}`);
  return Template.fromJSON(assembly.getStackByName(stack.stackName).template);
}

const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  Stack.of(construct as never).getLogicalId(construct.node.defaultChild as CfnElement);

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** A CloudFormation value as cdk-nag writes it: `<LogicalId.Arn>` for references. */
function show(value: Json): string {
  if (typeof value === 'string') return value;
  if (value?.Ref) return `<${value.Ref}>`;
  if (value?.['Fn::GetAtt']) return `<${value['Fn::GetAtt'].join('.')}>`;
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(show).join(value['Fn::Join'][0]);
  if (value?.['Fn::Sub']) return String(value['Fn::Sub']);
  return JSON.stringify(value);
}

/** Every function of a stack by its name in `functionAccess`. */
function functionsOf(stack: CairnStack): Record<string, CairnStack['authorizer']> {
  return {
    ...stack.functions,
    authorizer: stack.authorizer,
    ...(stack.webhookWorker ? { webhookWorker: stack.webhookWorker } : {}),
    ...stack.streamConsumers.functions,
  };
}

/** The stream read a stream consumer's event source grants: the stream's records, and ListStreams. */
const streamRead = /^dynamodb:(ListStreams|DescribeStream|GetRecords|GetShardIterator)$/;

/**
 * Which kinds of access one statement of a function's policy grants, by what it allows (and, for a
 * queue, which queue: a stream consumer's own dead-letter queue, or the webhook delivery queue).
 */
function grantKinds(statement: Json, actions: string[], deadLetterQueues: Set<string>): string[] | undefined {
  if (actions.every((action) => action.startsWith('logs:'))) return ['logs'];
  if (actions.every((action) => streamRead.test(action))) return ['readStream'];
  if (statement.Sid === 'AssumeTenantRole') return ['tenantData'];
  if (statement.Sid === 'KeyManagement') return ['keyManagement'];
  if (statement.Sid === 'FindKeyByHash' || statement.Sid === 'TouchKey') return ['keyLookup'];
  if (actions.every((action) => action.startsWith('secretsmanager:'))) return ['operatorSecret'];
  if (actions.length === 1 && actions[0] === 'events:PutEvents') return ['publishEvents'];
  if (actions.every((action) => action.startsWith('sqs:'))) {
    // CDK merges the sender's and the consumer's SQS grants on one queue into one statement.
    const consumer =
      /^sqs:(ReceiveMessage|ChangeMessageVisibility|DeleteMessage|GetQueueAttributes|GetQueueUrl)$/;
    const sender = /^sqs:(SendMessage|GetQueueAttributes|GetQueueUrl)$/;
    if (!actions.every((action) => consumer.test(action) || sender.test(action))) return undefined;
    // CDK also merges a consumer's two sends (its dead-letter queue, the delivery queue) into one.
    const resources = asList<Json>(statement.Resource).map(show);
    const toDeadLetters = resources.filter((resource) => deadLetterQueues.has(resource));
    if (toDeadLetters.length && !actions.every((action) => sender.test(action))) return undefined;
    return [
      ...(toDeadLetters.length ? ['streamDeadLetters'] : []),
      ...(actions.includes('sqs:SendMessage') && toDeadLetters.length < resources.length
        ? ['queueWebhooks']
        : []),
      ...(actions.includes('sqs:ReceiveMessage') ? ['consumeWebhooks'] : []),
    ];
  }
  return undefined;
}

interface Grant {
  owner: string;
  sid: string | undefined;
  actions: string[];
  resources: string[];
  condition: Json;
}

/** Every Allow statement of every identity policy (inline, attached or managed) in a template. */
function grants(t: Template): Grant[] {
  const found: Grant[] = [];
  const collect = (owner: string, document: Json) => {
    for (const statement of asList<Json>(document?.Statement)) {
      if (statement.Effect !== 'Allow') continue;
      found.push({
        owner,
        sid: statement.Sid,
        actions: asList<string>(statement.Action),
        resources: asList<Json>(statement.Resource).map(show),
        condition: statement.Condition,
      });
    }
  };
  for (const [id, policy] of Object.entries<Json>(t.findResources('AWS::IAM::Policy')))
    collect(id, policy.Properties.PolicyDocument);
  for (const [id, policy] of Object.entries<Json>(t.findResources('AWS::IAM::ManagedPolicy')))
    collect(id, policy.Properties.PolicyDocument);
  for (const [id, role] of Object.entries<Json>(t.findResources('AWS::IAM::Role'))) {
    for (const policy of asList<Json>(role.Properties.Policies)) collect(id, policy.PolicyDocument);
  }
  return found;
}

/** IAM's StringLike: `*` is any run of characters, `?` exactly one. */
function stringLike(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

describe('the AWS stack', () => {
  it('synthesizes with cdk-nag (AWS Solutions) and no unacknowledged finding', () => {
    expect(synthError).toBeUndefined();
    expect(assembly).toBeDefined();
  });

  it('synthesizes with `npx cdk synth` offline, with no AWS credentials', async () => {
    const { code, output, ms } = await cliSynth;
    expect(output).not.toMatch(/Synthesis finished with errors/);
    expect(code, output).toBe(0);
    expect(existsSync(join(workDir, 'cli', 'Cairn.template.json'))).toBe(true);
    console.log(`cdk synth (CLI, no credentials): ${(ms / 1000).toFixed(1)} s`);
  }, 240_000);

  describe('API', () => {
    it('has one route per row of the route table; non-public rows carry the Lambda authorizer', () => {
      for (const stack of [stacks.plain, stacks.custom]) {
        const t = template(stack);
        const [authorizerId] = Object.keys(t.findResources('AWS::ApiGatewayV2::Authorizer'));
        const byKey = new Map<string, Json>(
          Object.values<Json>(t.findResources('AWS::ApiGatewayV2::Route')).map((route) => [
            route.Properties.RouteKey,
            route.Properties,
          ]),
        );
        expect([...byKey.keys()].sort()).toEqual(routes.map(routeKey).sort());
        for (const route of routes) {
          const props = byKey.get(routeKey(route));
          if (route.role === 'public') {
            expect(props.AuthorizationType, routeKey(route)).toBe('NONE');
            expect(props.AuthorizerId, routeKey(route)).toBeUndefined();
          } else {
            expect(props.AuthorizationType, routeKey(route)).toBe('CUSTOM');
            expect(props.AuthorizerId, routeKey(route)).toEqual({ Ref: authorizerId });
          }
        }
      }
    });

    it("sends each route to its domain's function", () => {
      const t = template(stacks.plain);
      const integrations = t.findResources('AWS::ApiGatewayV2::Integration');
      const functionOf = new Map(
        Object.entries(stacks.plain.functions).map(([domain, fn]) => [logicalId(fn.fn), domain]),
      );
      for (const route of Object.values<Json>(t.findResources('AWS::ApiGatewayV2::Route'))) {
        const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref;
        const uri = integrations[integrationId]!.Properties.IntegrationUri['Fn::GetAtt'][0];
        const row = routes.find((candidate) => routeKey(candidate) === route.Properties.RouteKey)!;
        expect(functionOf.get(uri), routeKey(row)).toBe(row.domain);
      }
      // One invoke permission per function, not one per route (Lambda's policy size limit).
      const permissions = Object.values<Json>(t.findResources('AWS::Lambda::Permission')).filter(
        (permission) => permission.Properties.Principal === 'apigateway.amazonaws.com',
      );
      expect(permissions).toHaveLength(domains.length + 1);
    });

    it('authorizes every request itself: REQUEST, simple responses, no identity source, no cache', () => {
      const t = template(stacks.plain);
      t.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
      t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'REQUEST',
        EnableSimpleResponses: true,
        AuthorizerPayloadFormatVersion: '2.0',
        AuthorizerResultTtlInSeconds: 0,
        IdentitySource: [],
        AuthorizerUri: Match.objectLike({
          'Fn::Join': Match.arrayWith([
            Match.arrayWith([{ 'Fn::GetAtt': [logicalId(stacks.plain.authorizer.fn), 'Arn'] }]),
          ]),
        }),
      });
    });

    it('throttles, logs access as JSON without the key, and allows the dashboard origin', () => {
      const t = template(stacks.custom);
      const stage = Object.values<Json>(t.findResources('AWS::ApiGatewayV2::Stage'))[0].Properties;
      expect(stage.StageName).toBe('$default');
      expect(stage.DefaultRouteSettings).toMatchObject({
        ThrottlingRateLimit: defaultSettings.throttle.rateLimit,
        ThrottlingBurstLimit: defaultSettings.throttle.burstLimit,
      });
      const format = JSON.parse(stage.AccessLogSettings.Format);
      expect(format.requestId).toBe('$context.requestId');
      expect(JSON.stringify(format)).not.toMatch(/authorization/i);
      const logGroup =
        t.findResources('AWS::Logs::LogGroup')[stage.AccessLogSettings.DestinationArn['Fn::GetAtt'][0]];
      expect(logGroup?.Properties.RetentionInDays).toBe(30);

      const cors = Object.values<Json>(t.findResources('AWS::ApiGatewayV2::Api'))[0].Properties
        .CorsConfiguration;
      expect(cors.AllowOrigins).toEqual(['https://ml.example.com', 'http://localhost:3000']);
      expect(cors.AllowHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type']));
      t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'api.ml.example.com' });
    });
  });

  describe('functions', () => {
    it('are one per domain plus the authorizer, all nodejs24.x on arm64 with bounded log retention', () => {
      const t = template(stacks.plain);
      const functions = t.findResources('AWS::Lambda::Function');
      expect(Object.keys(functions)).toHaveLength(
        domains.length + 1 + (stacks.plain.webhookWorker ? 1 : 0) + streamConsumers.length,
      );
      const logGroups = t.findResources('AWS::Logs::LogGroup');
      for (const [id, fn] of Object.entries<Json>(functions)) {
        expect(fn.Properties.Runtime, id).toBe('nodejs24.x');
        expect(fn.Properties.Architectures, id).toEqual(['arm64']);
        expect(fn.Properties.Handler, id).toBe('index.handler');
        const logGroup = logGroups[fn.Properties.LoggingConfig.LogGroup.Ref];
        expect(logGroup?.Properties.RetentionInDays, id).toBe(30);
        expect(fn.Properties.Environment.Variables.NODE_OPTIONS, id).toBe('--enable-source-maps');
      }
      for (const domain of domains) expect(stacks.plain.functions[domain], domain).toBeDefined();
    });

    it('in the other stacks are ours or the few CDK brings, which are acknowledged', () => {
      const t = template(stacks.custom);
      expect(stacks.custom.webhookWorker).toBeUndefined();
      const ours = new Set(
        [
          ...Object.values(stacks.custom.functions),
          stacks.custom.authorizer,
          ...Object.values(stacks.custom.streamConsumers.functions),
        ].map((fn) => logicalId(fn.fn)),
      );
      for (const [id, fn] of Object.entries<Json>(t.findResources('AWS::Lambda::Function'))) {
        if (ours.has(id)) {
          expect(fn.Properties.Runtime, id).toBe('nodejs24.x');
          expect(fn.Properties.Architectures, id).toEqual(['arm64']);
        } else {
          // BucketDeployment's handler publishes the dashboard, and the ephemeral stack empties its
          // buckets on delete: both run at deploy time only and are not part of the API.
          expect(id).toMatch(/^Custom(CDKBucketDeployment|S3AutoDeleteObjectsCustomResourceProvider)/);
        }
      }
      t.hasResourceProperties('AWS::Lambda::Function', {
        ReservedConcurrentExecutions: 5,
        Description: 'Cairn tenants API',
      });
      t.hasResourceProperties('AWS::Lambda::Function', {
        ReservedConcurrentExecutions: 10,
        Description: 'Cairn API key authorizer',
      });
    });

    it('bundle as ESM that runs on Node 24 with the subpath imports resolved', async () => {
      const { code } = await cliSynth;
      expect(code).toBe(0);
      const cli = join(workDir, 'cli');
      const cliTemplate = Template.fromJSON(
        JSON.parse(readFileSync(join(cli, 'Cairn.template.json'), 'utf8')),
      );
      const bundleOf = (description: string) => {
        const [fn] = Object.values<Json>(
          cliTemplate.findResources('AWS::Lambda::Function', { Properties: { Description: description } }),
        );
        return join(cli, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
      };
      // The Lambda runtime provides the AWS SDK; the repository's node_modules stands in for it here.
      const run = (file: string, event: Json) => {
        const script = `const { handler } = await import(${JSON.stringify(`file://${file}`)}); console.log(JSON.stringify(await handler(${JSON.stringify(event)}, {})));`;
        const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
          env: { ...withoutAws(), CAIRN_TABLE: 'unused', AWS_REGION: 'eu-west-1' },
          encoding: 'utf8',
        });
        expect(result.status, result.stderr).toBe(0);
        return JSON.parse(result.stdout.trim().split('\n').pop()!);
      };
      const health = run(bundleOf('Cairn system API'), {
        version: '2.0',
        routeKey: 'GET /api/v1/health',
        rawPath: '/api/v1/health',
        rawQueryString: '',
        headers: {},
        requestContext: { requestId: 'test', http: { method: 'GET', path: '/api/v1/health' } },
      });
      expect(health).toMatchObject({ statusCode: 200, body: '{"status":"ok"}' });
      const refused = run(bundleOf('Cairn API key authorizer'), { type: 'REQUEST', headers: {} });
      expect(refused).toEqual({
        isAuthorized: true,
        context: expect.objectContaining({ authError: 'auth.missing_key' }),
      });
    }, 240_000);

    it("are the very bytes the local stack (this suite's gateway) runs, function by function", async () => {
      const { code } = await cliSynth;
      expect(code).toBe(0);
      const cli = join(workDir, 'cli');
      const cliTemplate = JSON.parse(readFileSync(join(cli, 'Cairn.template.json'), 'utf8'));
      const consumers = stacks.plain.streamConsumers.functions as Record<string, CairnFunction>;
      const constructOf = (name: FunctionName) =>
        name === 'authorizer'
          ? stacks.plain.authorizer
          : name === 'webhookWorker'
            ? stacks.plain.webhookWorker!
            : (stacks.plain.functions[name] ?? consumers[name]!);
      const running = join(inject('cairn').dataDir, 'functions');
      for (const name of functionNames) {
        const resource = cliTemplate.Resources[logicalId(constructOf(name).fn)];
        expect(resource?.Properties.Handler, name).toBe('index.handler');
        const hash = resource.Properties.Code.S3Key.replace(/\.zip$/, '');
        const asset = join(cli, `asset.${hash}`);
        // The asset is the bundle and nothing else; CDK names it by the hash of exactly these files.
        expect(readdirSync(asset).sort(), name).toEqual([bundleFile, `${bundleFile}.map`]);
        for (const file of readdirSync(asset)) {
          const deployed = readFileSync(join(asset, file));
          const local = readFileSync(join(running, name, file));
          expect(local.equals(deployed), `${name}/${file}`).toBe(true);
        }
      }
    }, 240_000);
  });

  describe('IAM', () => {
    // The only wildcards in our own policies: each is acknowledged in cdk-nag with its reason.
    const acknowledgedWildcards = (stack: CairnStack) => {
      const table = logicalId(stack.data.table);
      const bucket = logicalId(stack.data.artifacts);
      // dynamodb:ListStreams has no resource-level permissions: one `*` per stream consumer.
      return [
        `<${table}.Arn>/index/*`,
        `<${bucket}.Arn>/${sessionTenant}/*`,
        ...streamConsumers.map(() => '*'),
      ];
    };

    it('grants no `*` action or resource beyond the acknowledged cases', () => {
      const t = template(stacks.plain);
      const wildcards = grants(t).flatMap((grant) => [
        ...grant.actions
          .filter((action) => action.includes('*'))
          .map((action) => `${grant.owner}: action ${action}`),
        ...grant.resources.filter((resource) => resource.includes('*')).map((resource) => resource),
      ]);
      expect(wildcards.sort()).toEqual(acknowledgedWildcards(stacks.plain).sort());
    });

    it('keeps CDK-provided wildcards to the dashboard publisher and the ephemeral cleanup', () => {
      const t = template(stacks.custom);
      const ours = new Set(acknowledgedWildcards(stacks.custom));
      const owners = new Set(
        grants(t)
          .filter(
            (grant) =>
              grant.actions.some((action) => action.includes('*')) ||
              grant.resources.some((r) => r.includes('*') && !ours.has(r)),
          )
          .map((grant) => grant.owner),
      );
      for (const owner of owners) expect(owner).toMatch(/^CustomCDKBucketDeployment/);
    });

    it('confines the tenant role to the session tenant: LeadingKeys on table and indexes, the S3 prefix', () => {
      const t = template(stacks.plain);
      const roleId = logicalId(stacks.plain.tenantRole.role);
      const role = t.findResources('AWS::IAM::Role')[roleId]!.Properties;
      const statements = role.Policies.flatMap((policy: Json) => policy.PolicyDocument.Statement);
      const bySid = new Map<string, Json>(statements.map((statement: Json) => [statement.Sid, statement]));
      expect([...bySid.keys()].sort()).toEqual(['TenantItems', 'TenantListing', 'TenantObjects']);

      const items = bySid.get('TenantItems');
      expect(asList(items.Action).sort()).toEqual([...tenantItemActions].sort());
      expect(asList(items.Action)).not.toContain('dynamodb:Scan');
      expect(asList(items.Resource).map(show).sort()).toEqual(
        [
          `<${logicalId(stacks.plain.data.table)}.Arn>`,
          `<${logicalId(stacks.plain.data.table)}.Arn>/index/*`,
        ].sort(),
      );
      expect(items.Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${tenantVariable}#*`] },
        Null: { 'dynamodb:LeadingKeys': 'false' },
      });

      const objects = bySid.get('TenantObjects');
      expect(asList(objects.Action).sort()).toEqual([...tenantObjectActions].sort());
      expect(asList(objects.Resource).map(show)).toEqual([
        `<${logicalId(stacks.plain.data.artifacts)}.Arn>/${tenantVariable}/*`,
      ]);
      const listing = bySid.get('TenantListing');
      expect(listing.Action).toBe('s3:ListBucket');
      expect(listing.Condition).toEqual({ StringLike: { 's3:prefix': [`${tenantVariable}/*`] } });

      // Only the domain functions may assume it, only with exactly one tag: tenant.
      const trust = role.AssumeRolePolicyDocument.Statement;
      expect(trust).toHaveLength(1);
      expect(trust[0].Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
      expect(trust[0].Condition).toEqual({
        StringLike: { 'aws:RequestTag/tenant': '?*' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['tenant'] },
      });
      const trusted = asList<Json>(trust[0].Principal.AWS)
        .map((principal) => principal['Fn::GetAtt'][0])
        .sort();
      const tenantScoped = Object.entries(functionsOf(stacks.plain))
        .filter(([name]) =>
          (functionAccess[name as FunctionName] as readonly Access[]).includes('tenantData'),
        )
        .map(([, fn]) => logicalId(fn.role));
      expect(trusted).toEqual(tenantScoped.sort());
      expect(tenantScoped).not.toContain(logicalId(stacks.plain.functions.system!.role));
      // The stream consumers reach the items and objects they handle through it, per tenant.
      for (const fn of Object.values(stacks.plain.streamConsumers.functions))
        expect(tenantScoped).toContain(logicalId(fn.role));
      expect(role.MaxSessionDuration).toBe(3600);
    });

    it("matches the key and object layout: a tenant's keys pass its pattern, no other tenant's do", () => {
      const items = (tenant: string) => `${tenant}#*`;
      const objects = (tenant: string) => `${tenant}/*`;
      const acmeKeys = [
        keys.experimentsOf('acme'),
        keys.run('acme', 'r1').pk,
        keys.datasetPartition('acme', 'd'),
      ];
      for (const key of acmeKeys) {
        expect(stringLike(items('acme'), key), key).toBe(true);
        expect(stringLike(items('acm'), key), key).toBe(false);
        expect(stringLike(items('acme-2'), key), key).toBe(false);
      }
      expect(stringLike(objects('acme'), `${tenantPrefix('acme')}blobs/sha256/ab`)).toBe(true);
      expect(stringLike(objects('acme'), `${tenantPrefix('acmex')}blobs/sha256/ab`)).toBe(false);
      // The key-management partitions, as IAM sees them: outside every tenant's pattern.
      const keyItems = [keys.apiKeyHash('ab').pk, keys.tenant('acme').pk, keys.apiKeysOf('acme')];
      for (const key of keyItems) {
        expect(stringLike(items('acme'), key), key).toBe(false);
        expect(
          Object.values(keyPartitions).some((pattern) => stringLike(pattern, key)),
          key,
        ).toBe(true);
      }
      expect(stringLike(keyPartitions.tenant, `acme#RUN#r1`)).toBe(false);
    });

    it('holds for every key builder: each partition starts with its tenant, except key management', () => {
      // A new partition outside the tenant prefix would be refused by the tenant role: it must be
      // designed like key management (its own narrow grant), not discovered in production.
      const outsideTenants = ['apiKeyHash', 'tenant', 'apiKeysOf', 'apiKey'];
      for (const [name, build] of Object.entries(keys) as [string, (...args: unknown[]) => unknown][]) {
        if (outsideTenants.includes(name)) continue;
        if (!/^\(?\s*tenantId\b/.test(build.toString())) {
          expect(name.endsWith('Order'), `${name} takes no tenant id`).toBe(true);
          continue;
        }
        const built = build('acme', 'x1', 1, 'x2', 'x3');
        const partition = typeof built === 'string' ? built : (built as { pk: string }).pk;
        expect(stringLike(`acme#*`, partition), `${name} → ${partition}`).toBe(true);
      }
    });

    it('grants each function exactly the access its row in functionAccess declares', () => {
      const t = template(stacks.plain);
      const policies = t.findResources('AWS::IAM::Policy');
      const table = `<${logicalId(stacks.plain.data.table)}.Arn>`;
      const stream = `<${logicalId(stacks.plain.data.table)}.StreamArn>`;
      const deadLetters = stacks.plain.streamConsumers.deadLetters;
      const deadLetterQueues = new Set(
        Object.values(deadLetters).map((queue) => `<${logicalId(queue)}.Arn>`),
      );
      for (const [name, fn] of Object.entries(functionsOf(stacks.plain))) {
        const role = logicalId(fn.role);
        const statements = Object.values<Json>(policies)
          .filter((policy) => policy.Properties.Roles.some((r: Json) => r.Ref === role))
          .flatMap((policy) => asList<Json>(policy.Properties.PolicyDocument.Statement));
        const granted = new Set<string>();
        for (const statement of statements) {
          const actions = asList<string>(statement.Action);
          const kinds = grantKinds(statement, actions, deadLetterQueues);
          expect(kinds, `${name}: unexpected grant ${JSON.stringify(statement)}`).toBeDefined();
          for (const kind of kinds!) granted.add(kind);
          if (kinds!.includes('readStream')) {
            // The stream's records only; ListStreams alone has no resource-level permissions.
            const listOnly = actions.every((action) => action === 'dynamodb:ListStreams');
            expect(asList(statement.Resource).map(show), name).toEqual([listOnly ? '*' : stream]);
          } else if (kinds!.includes('streamDeadLetters')) {
            // A consumer's failures go to its own queue, never another's.
            expect(
              asList(statement.Resource)
                .map(show)
                .filter((resource) => deadLetterQueues.has(resource)),
              name,
            ).toEqual([`<${logicalId(deadLetters[name as keyof typeof deadLetters])}.Arn>`]);
          } else if (actions.some((action) => action.startsWith('dynamodb:'))) {
            // Direct table access only ever to key management, by LeadingKeys, on the table alone.
            expect(asList(statement.Resource).map(show), name).toEqual([table]);
            for (const pattern of statement.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys'])
              expect(Object.values(keyPartitions), `${name}: ${pattern}`).toContain(pattern);
          }
          expect(
            actions.some((action) => action.startsWith('s3:')),
            `${name} has direct bucket access`,
          ).toBe(false);
        }
        granted.delete('logs');
        // Consuming the delivery queue comes with the worker's event source, not with a row.
        if (name === 'webhookWorker') granted.delete('consumeWebhooks');
        expect([...granted].sort(), name).toEqual([...functionAccess[name as FunctionName]].sort());
      }
    });

    it('gives each function only the environment its access needs', () => {
      const t = template(stacks.plain);
      const functions = t.findResources('AWS::Lambda::Function');
      const variablesFor: Record<Access, string[]> = {
        tenantData: ['CAIRN_TABLE', 'CAIRN_BUCKET', 'CAIRN_TENANT_ROLE_ARN'],
        keyManagement: ['CAIRN_TABLE'],
        keyLookup: ['CAIRN_TABLE'],
        operatorSecret: ['CAIRN_OPERATOR_SECRET_ARN'],
        publishEvents: ['CAIRN_EVENT_BUS'],
        queueWebhooks: ['CAIRN_WEBHOOK_QUEUE_URL'],
        readStream: [],
        streamDeadLetters: [],
      };
      for (const [name, fn] of Object.entries(functionsOf(stacks.plain))) {
        const variables = Object.keys(functions[logicalId(fn.fn)]!.Properties.Environment.Variables);
        const expected = new Set(['NODE_OPTIONS']);
        for (const kind of functionAccess[name as FunctionName] as readonly Access[])
          for (const variable of variablesFor[kind]) expected.add(variable);
        expect(variables.sort(), name).toEqual([...expected].sort());
      }
    });

    it('lets the authorizer read only key hashes, touch key lists and read the operator secret', () => {
      const t = template(stacks.plain);
      const role = logicalId(stacks.plain.authorizer.role);
      const mine = grants(t).filter(
        (grant) => t.findResources('AWS::IAM::Policy')[grant.owner]?.Properties.Roles[0].Ref === role,
      );
      const bySid = new Map(mine.map((grant) => [grant.sid, grant]));
      expect(bySid.get('FindKeyByHash')?.actions).toEqual(['dynamodb:GetItem']);
      expect(
        bySid.get('FindKeyByHash')?.condition['ForAllValues:StringLike']['dynamodb:LeadingKeys'],
      ).toEqual(['KEYHASH#*']);
      expect(bySid.get('TouchKey')?.actions).toEqual(['dynamodb:UpdateItem']);
      expect(bySid.get('TouchKey')?.condition['ForAllValues:StringLike']['dynamodb:LeadingKeys']).toEqual([
        'KEYS#*',
      ]);
      const secretArn = `<${logicalId(stacks.plain.operatorKey.secret)}>`;
      expect(
        mine.some(
          (grant) =>
            grant.actions.includes('secretsmanager:GetSecretValue') && grant.resources.includes(secretArn),
        ),
      ).toBe(true);
      expect(mine.some((grant) => grant.actions.includes('sts:AssumeRole'))).toBe(false);
    });
  });

  describe('data', () => {
    it('keeps the table: on demand, PITR, encryption, deletion protection, retained', () => {
      const t = template(stacks.plain);
      t.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          BillingMode: 'PAY_PER_REQUEST',
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
          KeySchema: [
            { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
            { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
          ],
        }),
      });
      const table = Object.values<Json>(t.findResources('AWS::DynamoDB::Table'))[0].Properties;
      expect(table.GlobalSecondaryIndexes.map((index: Json) => index.IndexName)).toEqual(
        tableDefinition.globalSecondaryIndexes.map((index) => index.indexName),
      );
    });

    it('keeps the artifact bucket private, TLS-only, encrypted, logged, with multipart cleanup and ETag CORS', () => {
      const t = template(stacks.plain);
      const id = logicalId(stacks.plain.data.artifacts);
      const bucket = t.findResources('AWS::S3::Bucket')[id]!;
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(
        bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault
          .SSEAlgorithm,
      ).toBe('AES256');
      expect(bucket.Properties.LoggingConfiguration.DestinationBucketName).toEqual({
        Ref: logicalId(stacks.plain.data.accessLogs),
      });
      expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      );
      const cors = bucket.Properties.CorsConfiguration.CorsRules[0];
      expect(cors.ExposedHeaders).toContain('ETag');
      expect(cors.AllowedMethods).toEqual(['GET', 'PUT', 'HEAD']);
      expect(show(cors.AllowedOrigins[0])).toBe(
        `https://<${logicalId(stacks.plain.dashboard.distribution)}.DomainName>`,
      );

      for (const [name, policy] of Object.entries<Json>(t.findResources('AWS::S3::BucketPolicy'))) {
        const denies = asList<Json>(policy.Properties.PolicyDocument.Statement).filter(
          (statement) => statement.Effect === 'Deny',
        );
        expect(
          denies.some((statement) => statement.Condition?.Bool?.['aws:SecureTransport'] === 'false'),
          name,
        ).toBe(true);
      }
      expect(Object.keys(t.findResources('AWS::S3::BucketPolicy'))).toHaveLength(3);
    });

    it('relaxes retention and deletion protection only for an ephemeral stack', () => {
      const t = template(stacks.custom);
      t.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Delete',
        Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
      });
      const buckets = Object.values<Json>(t.findResources('AWS::S3::Bucket'));
      expect(buckets.every((bucket) => bucket.DeletionPolicy === 'Delete')).toBe(true);
      expect(
        Object.values<Json>(template(stacks.plain).findResources('AWS::S3::Bucket')).every(
          (b) => b.DeletionPolicy === 'Retain',
        ),
      ).toBe(true);
    });
  });

  describe('dashboard', () => {
    it('serves the export through CloudFront with origin access control and security headers', () => {
      const t = template(stacks.custom);
      t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
      t.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          Aliases: ['ml.example.com'],
          DefaultRootObject: 'index.html',
          ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: 'TLSv1.2_2021' }),
        }),
      });
      const policy = Object.values<Json>(t.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0]
        .Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
      expect(policy.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(31536000);
      expect(policy.FrameOptions.FrameOption).toBe('DENY');
      expect(policy.ContentTypeOptions.Override).toBe(true);
      // Scripts from the dashboard's own origin only, and connections to this stack's API only.
      const csp = show(policy.ContentSecurityPolicy.ContentSecurityPolicy);
      expect(csp).toMatch(/(^|; )script-src 'self'(;|$)/);
      expect(csp).toMatch(/(^|; )connect-src 'self' https:\/\/api\.ml\.example\.com(;|$)/);
      expect(csp.length).toBeLessThanOrEqual(1783); // CloudFront's limit for this header
      const plain = Object.values<Json>(
        template(stacks.plain).findResources('AWS::CloudFront::ResponseHeadersPolicy'),
      )[0].Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy
        .ContentSecurityPolicy;
      expect(show(plain)).toMatch(
        /(^|; )connect-src 'self' https:\/\/\*\.execute-api\.eu-west-1\.amazonaws\.com(;|$)/,
      );
      for (const value of [csp, show(plain)]) {
        const scriptSrc = value.split('; ').find((directive) => directive.startsWith('script-src'));
        expect(scriptSrc).toBe("script-src 'self'");
        expect(value).not.toMatch(/s3[.-]/);
      }
    });

    it('writes into each published page a policy that connects to this API only, and refuses inline scripts', () => {
      const custom = template(stacks.custom);
      const deployment = Object.values<Json>(custom.findResources('Custom::CDKBucketDeployment'))[0];
      const keys: string[] = deployment.Properties.SourceObjectKeys;
      // The export without its pages, each page on its own (with its policy), and config.json.
      expect(keys).toHaveLength(1 + 2 + 1);
      const exported = readdirSync(join(assembly!.directory, `asset.${keys[0]!.replace(/\.zip$/, '')}`));
      expect(exported.filter((name) => name.endsWith('.html'))).toEqual([]);
      const pages = keys.slice(1, 3).map((key) => {
        const folder = join(assembly!.directory, `asset.${key.replace(/\.zip$/, '')}`);
        const [file] = readdirSync(folder);
        return readFileSync(join(folder, file!), 'utf8');
      });
      for (const page of pages) {
        expect(page).toMatch(
          /^<!doctype html><head><meta http-equiv="Content-Security-Policy" content="connect-src 'self' https:\/\/api\.ml\.example\.com"\/>/,
        );
      }

      const web = join(workDir, 'web-inline');
      mkdirSync(web);
      writeFileSync(join(web, 'index.html'), '<!doctype html><head><script>alert(1)</script></head>');
      const app = new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
      expect(
        () => new CairnStack(app, 'Inline', { settings: { ...defaultSettings, webAssets: web }, env }),
      ).toThrow(/inline scripts.*npm run build:web/);
    });

    it('publishes /config.json with the API URL at deploy, only when the export exists', () => {
      const custom = template(stacks.custom);
      const deployment = Object.values<Json>(custom.findResources('Custom::CDKBucketDeployment'))[0];
      expect(deployment).toBeDefined();
      // The last source is config.json: a literal here (custom domain), a deploy-time marker otherwise.
      const configZip = deployment.Properties.SourceObjectKeys.at(-1).replace(/\.zip$/, '');
      const config = JSON.parse(
        readFileSync(join(assembly!.directory, `asset.${configZip}`, 'config.json'), 'utf8'),
      );
      expect(config).toEqual({ apiUrl: 'https://api.ml.example.com' });
      expect(deployment.Properties.DistributionPaths).toEqual(['/*']);
      template(stacks.plain).resourceCountIs('Custom::CDKBucketDeployment', 0);
      const warnings = stacks.plain.dashboard.node.metadata.filter(
        (entry) => entry.type === 'aws:cdk:warning',
      );
      expect(JSON.stringify(warnings)).toMatch(/web\/out/);
    });
  });

  describe('events and operations', () => {
    it('has the registry event bus and a webhook queue with a dead-letter queue, known only to who uses them', () => {
      const t = template(stacks.plain);
      t.resourceCountIs('AWS::Events::EventBus', 1);
      const queues = t.findResources('AWS::SQS::Queue');
      const dlq = logicalId(stacks.plain.events.webhookDeadLetters);
      const main = queues[logicalId(stacks.plain.events.webhooks)]!.Properties;
      expect(main.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
        maxReceiveCount: 5,
      });
      // Domains write events to the outbox in their transactions: only its consumer puts events, and
      // only it and the delivery worker (each next attempt) queue deliveries. The grants and the
      // environment follow these rows (asserted per function above).
      const holders = (kind: Access) =>
        (Object.keys(functionAccess) as FunctionName[])
          .filter((name) => (functionAccess[name] as readonly Access[]).includes(kind))
          .sort();
      expect(holders('publishEvents')).toEqual(['outbox']);
      expect(holders('queueWebhooks')).toEqual(['outbox', 'webhookWorker']);
      const domainRoles = new Set(Object.values(stacks.plain.functions).map((fn) => logicalId(fn.role)));
      for (const grant of grants(t)) {
        const role = t.findResources('AWS::IAM::Policy')[grant.owner]?.Properties.Roles[0].Ref;
        if (!domainRoles.has(role)) continue;
        expect(
          grant.actions.filter((action) => /^(events|sqs):/.test(action)),
          grant.owner,
        ).toEqual([]);
      }
    });

    it('subscribes each stream consumer to the table stream with its filter, retries and its own dead-letter queue', () => {
      const t = template(stacks.plain);
      const table = t.findResources('AWS::DynamoDB::Table')[logicalId(stacks.plain.data.table)]!.Properties;
      expect(table.StreamSpecification).toEqual({ StreamViewType: tableDefinition.streamViewType });
      const mappings = Object.values<Json>(t.findResources('AWS::Lambda::EventSourceMapping'));
      for (const row of streamConsumers) {
        const fn = stacks.plain.streamConsumers.functions[row.name];
        const mapping = mappings.find((m) => m.Properties.FunctionName.Ref === logicalId(fn.fn))?.Properties;
        expect(mapping, row.name).toMatchObject({
          EventSourceArn: { 'Fn::GetAtt': [logicalId(stacks.plain.data.table), 'StreamArn'] },
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: row.batchSize,
          BisectBatchOnFunctionError: true,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          MaximumRetryAttempts: row.retryAttempts,
          MaximumRecordAgeInSeconds: row.maxRecordAgeSeconds,
          DestinationConfig: {
            OnFailure: {
              Destination: {
                'Fn::GetAtt': [logicalId(stacks.plain.streamConsumers.deadLetters[row.name]), 'Arn'],
              },
            },
          },
        });
        expect(mapping.FilterCriteria.Filters.map((f: Json) => JSON.parse(f.Pattern))).toEqual([row.filter]);
        const props = t.findResources('AWS::Lambda::Function')[logicalId(fn.fn)]!.Properties;
        expect(props.Timeout, row.name).toBe(row.timeoutSeconds);
        // Least privilege: the stream, its dead-letter queue, the tenant role; nothing on the table itself.
        const role = logicalId(fn.role);
        const own = grants(t).filter(
          (grant) => t.findResources('AWS::IAM::Policy')[grant.owner]?.Properties.Roles[0].Ref === role,
        );
        const actions = own.flatMap((grant) => grant.actions);
        expect(
          actions.filter((action) =>
            /^dynamodb:(GetItem|PutItem|UpdateItem|DeleteItem|Query|Scan|Batch)/.test(action),
          ),
        ).toEqual([]);
        expect(actions.some((action) => action.startsWith('s3:'))).toBe(false);
        expect(actions).toEqual(
          expect.arrayContaining(['dynamodb:GetRecords', 'sqs:SendMessage', 'sts:AssumeRole']),
        );
        expect(actions.includes('events:PutEvents')).toBe(row.name === 'outbox');
      }
    });

    it('consumes the webhook queue with the worker when it exists, and warns when it does not', () => {
      const custom = template(stacks.custom);
      const webhookQueue = logicalId(stacks.custom.events.webhooks);
      const mappings = Object.values<Json>(custom.findResources('AWS::Lambda::EventSourceMapping'));
      expect(
        mappings.filter((m) => JSON.stringify(m.Properties.EventSourceArn).includes(webhookQueue)),
      ).toEqual([]);
      expect(JSON.stringify(stacks.custom.node.metadata)).toMatch(/cairn:no-webhook-worker/);
      const worker = stacks.plain.webhookWorker;
      if (!worker) return;
      const t = template(stacks.plain);
      t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(worker.fn) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stacks.plain.events.webhooks), 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      const fn = t.findResources('AWS::Lambda::Function')[logicalId(worker.fn)]!.Properties;
      expect(fn.Runtime).toBe('nodejs24.x');
      // SQS hides a message for at least six times the function timeout, as Lambda advises.
      const queue = t.findResources('AWS::SQS::Queue')[logicalId(stacks.plain.events.webhooks)]!.Properties;
      expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Timeout);
    });

    it('alarms on API 5xx rate, every function, the authorizer and the dead-letter queue, to one topic', () => {
      const t = template(stacks.custom);
      const topic = logicalId(stacks.custom.alarms.topic);
      const alarms = Object.values<Json>(t.findResources('AWS::CloudWatch::Alarm'));
      // API 5xx; errors and throttles per function; one per dead-letter queue (webhooks, each consumer).
      expect(alarms).toHaveLength(
        1 + 2 * (domains.length + 1 + streamConsumers.length) + 1 + streamConsumers.length,
      );
      for (const alarm of alarms) {
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
        expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
      }
      const metricNames = alarms.flatMap((alarm) =>
        alarm.Properties.MetricName
          ? [alarm.Properties.MetricName]
          : alarm.Properties.Metrics.map((m: Json) => m.MetricStat?.Metric.MetricName),
      );
      expect(metricNames).toEqual(
        expect.arrayContaining(['5xx', 'Count', 'Errors', 'Throttles', 'ApproximateNumberOfMessagesVisible']),
      );
      t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
      template(stacks.plain).resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('creates the operator key at deploy as a valid Cairn key and says how to read it', () => {
      const t = template(stacks.plain);
      t.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({
          PasswordLength: 43,
          ExcludePunctuation: true,
          IncludeSpace: false,
        }),
      });
      const outputs = t.findOutputs('*');
      expect(Object.keys(outputs)).toEqual(
        expect.arrayContaining(['ApiUrl', 'DashboardUrl', 'OperatorKeySecretArn', 'OperatorKeyCommand']),
      );
      expect(show(outputs.OperatorKeyCommand!.Value)).toMatch(
        /aws secretsmanager get-secret-value .*join\('', \['cairn_', SecretString\]\)/,
      );
      const authorizer = t.findResources('AWS::Lambda::Function')[logicalId(stacks.plain.authorizer.fn)]!;
      expect(authorizer.Properties.Environment.Variables.CAIRN_OPERATOR_SECRET_ARN).toEqual({
        Ref: logicalId(stacks.plain.operatorKey.secret),
      });
    });
  });
});
