import { Annotations, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { type Domain, domains, routes } from '#functions/routes.ts';
import { streamConsumers } from '#functions/stream-consumers.ts';
import { Alarms } from './constructs/alarms.ts';
import { Api } from './constructs/api.ts';
import { CairnFunction } from './constructs/cairn-function.ts';
import { Dashboard } from './constructs/dashboard.ts';
import { Data } from './constructs/data.ts';
import { Events } from './constructs/events.ts';
import { grantAuthorizerLookups, grantKeyManagement } from './constructs/key-management-access.ts';
import { OperatorKey } from './constructs/operator-key.ts';
import { StreamConsumers } from './constructs/stream-consumers.ts';
import { TenantRole } from './constructs/tenant-role.ts';
import type { Settings } from './settings.ts';

export interface CairnStackProps extends StackProps {
  settings: Settings;
  /** Deploy the webhook delivery worker (the default); `undefined` leaves it out. */
  webhookWorker?: boolean | undefined;
}

/**
 * Domains whose rows manage API keys and create tenants: they write the hash lookups outside every
 * tenant, so they hold a direct grant confined to the key-management partitions. Every other
 * domain reaches data only through tenant-scoped credentials.
 */
export const keyManagingDomains: readonly Domain[] = ['tenants'];

const pascal = (name: string) =>
  name.replace(/(^|[-_])(\w)/g, (_, __, letter: string) => letter.toUpperCase());

/**
 * All of Cairn in one stack, generated from the route table: a function per domain in `domains`, a
 * route per row, and the table from the shared definition. A new domain or route needs no change here.
 */
export class CairnStack extends Stack {
  readonly api: Api;
  readonly functions: Record<string, CairnFunction>;
  readonly authorizer: CairnFunction;
  /** Consumes the webhook delivery queue; undefined until the worker exists. */
  readonly webhookWorker: CairnFunction | undefined;
  readonly tenantRole: TenantRole;
  readonly data: Data;
  readonly events: Events;
  readonly dashboard: Dashboard;
  readonly alarms: Alarms;
  readonly operatorKey: OperatorKey;
  /** The table's stream consumers: the event outbox, and the upload verifier. */
  readonly streamConsumers: StreamConsumers;

  constructor(scope: Construct, id: string, props: CairnStackProps) {
    super(scope, id, props);
    const settings = props.settings;
    const removalPolicy = settings.ephemeral ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    for (const name of Object.keys(settings.reservedConcurrency)) {
      if (
        !(domains as readonly string[]).includes(name) &&
        !streamConsumers.some((consumer) => consumer.name === name) &&
        name !== 'authorizer' &&
        name !== 'webhookWorker'
      ) {
        throw new Error(
          `cairn:reservedConcurrency names ${name}, which is neither a domain (${domains.join(', ')}), a stream consumer (${streamConsumers.map((consumer) => consumer.name).join(', ')}), "authorizer" nor "webhookWorker"`,
        );
      }
    }

    this.data = new Data(this, 'Data', {
      ephemeral: settings.ephemeral,
      logRetentionDays: settings.logRetentionDays,
    });
    const { table, artifacts } = this.data;
    this.events = new Events(this, 'Events', { removalPolicy });
    this.operatorKey = new OperatorKey(this, 'OperatorKey', { removalPolicy });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      accessLogs: this.data.accessLogs,
      domain: settings.webDomain,
      apiDomainName: settings.apiDomain?.name,
      ephemeral: settings.ephemeral,
    });
    const browserOrigins = [this.dashboard.url, ...settings.corsOrigins];
    this.data.allowBrowserOrigins(browserOrigins);

    const common = {
      logRetention: settings.logRetentionDays,
      removalPolicy,
    };
    this.functions = {};
    for (const domain of domains) {
      const fn = new CairnFunction(this, `${pascal(domain)}Function`, {
        ...common,
        bundle: domain,
        description: `Cairn ${domain} API`,
        // Events leave through the outbox consumer, so no domain talks to EventBridge or SQS.
        environment: { CAIRN_TABLE: table.tableName, CAIRN_BUCKET: artifacts.bucketName },
        reservedConcurrentExecutions: settings.reservedConcurrency[domain],
      });
      if (keyManagingDomains.includes(domain)) grantKeyManagement(fn.role, table);
      this.functions[domain] = fn;
    }

    this.authorizer = new CairnFunction(this, 'AuthorizerFunction', {
      ...common,
      bundle: 'authorizer',
      description: 'Cairn API key authorizer',
      environment: {
        CAIRN_TABLE: table.tableName,
        CAIRN_OPERATOR_SECRET_ARN: this.operatorKey.secret.secretArn,
      },
      reservedConcurrentExecutions: settings.reservedConcurrency.authorizer,
    });
    grantAuthorizerLookups(this.authorizer.role, table);
    this.operatorKey.allowRead(this.authorizer.role);

    // Extension point: queue consumers are functions too, with the domains' environment and grants.
    if (!('webhookWorker' in props) || props.webhookWorker) {
      this.webhookWorker = new CairnFunction(this, 'WebhookWorkerFunction', {
        ...common,
        bundle: 'webhookWorker',
        description: 'Cairn webhook delivery worker',
        environment: {
          CAIRN_TABLE: table.tableName,
          CAIRN_BUCKET: artifacts.bucketName,
          ...this.events.environment,
        },
        reservedConcurrentExecutions: settings.reservedConcurrency.webhookWorker,
      });
      this.events.allowPublish(this.webhookWorker.role);
      this.events.deliverWebhooksWith(this.webhookWorker.fn);
    } else {
      this.webhookWorker = undefined;
      Annotations.of(this).addWarningV2(
        'cairn:no-webhook-worker',
        'No webhook delivery worker (functions/events/webhook-worker.ts): deliveries wait in their queue until one is deployed.',
      );
    }

    this.streamConsumers = new StreamConsumers(this, 'Streams', {
      ...common,
      table,
      environment: { CAIRN_TABLE: table.tableName, CAIRN_BUCKET: artifacts.bucketName },
      reservedConcurrency: settings.reservedConcurrency,
    });
    const { outbox } = this.streamConsumers.functions;
    for (const [name, value] of Object.entries(this.events.environment))
      outbox.fn.addEnvironment(name, value);
    this.events.allowPublish(outbox.role);

    // Everything that does tenant work reaches data through the tenant role.
    const tenantScoped = [
      ...Object.values(this.functions),
      ...(this.webhookWorker ? [this.webhookWorker] : []),
      ...Object.values(this.streamConsumers.functions),
    ];
    this.tenantRole = new TenantRole(this, 'TenantAccess', {
      table,
      bucket: artifacts,
      trustedRoles: tenantScoped.map((fn) => fn.role),
    });
    for (const fn of tenantScoped) {
      fn.fn.addEnvironment('CAIRN_TENANT_ROLE_ARN', this.tenantRole.role.roleArn);
      fn.role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'AssumeTenantRole',
          actions: ['sts:AssumeRole', 'sts:TagSession'],
          resources: [this.tenantRole.role.roleArn],
        }),
      );
    }

    this.api = new Api(this, 'Api', {
      ...common,
      routes,
      functions: Object.fromEntries(Object.entries(this.functions).map(([domain, fn]) => [domain, fn.fn])),
      authorizer: this.authorizer.fn,
      corsOrigins: browserOrigins,
      throttle: settings.throttle,
      domain: settings.apiDomain,
    });
    this.dashboard.publish(settings.webAssets, this.api.url);

    this.alarms = new Alarms(this, 'Alarms', { email: settings.alarmEmail });
    this.alarms.apiServerErrors(this.api.httpApi);
    for (const [domain, fn] of Object.entries(this.functions))
      this.alarms.functionHealth(pascal(domain), fn.fn);
    this.alarms.functionHealth('Authorizer', this.authorizer.fn);
    if (this.webhookWorker) this.alarms.functionHealth('WebhookWorker', this.webhookWorker.fn);
    this.alarms.deadLetters('Webhooks', this.events.webhookDeadLetters);
    for (const { name } of streamConsumers) {
      this.alarms.functionHealth(pascal(name), this.streamConsumers.functions[name].fn);
      this.alarms.deadLetters(pascal(name), this.streamConsumers.deadLetters[name]);
    }

    new CfnOutput(this, 'ApiUrl', {
      value: this.api.url,
      description: 'Point CAIRN_URL and MLFLOW_TRACKING_URI here',
    });
    new CfnOutput(this, 'DashboardUrl', { value: this.dashboard.url, description: 'The dashboard' });
    new CfnOutput(this, 'OperatorKeySecretArn', {
      value: this.operatorKey.secret.secretArn,
      description: 'Secrets Manager secret holding the first operator key',
    });
    new CfnOutput(this, 'OperatorKeyCommand', {
      value: this.operatorKey.readCommand,
      description: 'Prints the operator key: export CAIRN_OPERATOR_KEY=$(<this command>)',
    });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'ArtifactBucket', { value: artifacts.bucketName });
    new CfnOutput(this, 'EventBusName', {
      value: this.events.bus.eventBusName,
      description: 'Registry events',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    if (this.api.domainName) {
      new CfnOutput(this, 'ApiDomainTarget', {
        value: this.api.domainName.regionalDomainName,
        description: `Point a CNAME (or alias) for ${settings.apiDomain?.name} here`,
      });
    }
    if (settings.webDomain) {
      new CfnOutput(this, 'DashboardDomainTarget', {
        value: this.dashboard.distribution.distributionDomainName,
        description: `Point a CNAME (or alias) for ${settings.webDomain.name} here`,
      });
    }
  }
}
