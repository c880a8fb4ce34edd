import { Annotations, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { domains, routes } from '#functions/routes.ts';
import { type StreamConsumerName, streamConsumers } from '#functions/stream-consumers.ts';
import type { FunctionName } from './bundles.ts';
import { Alarms } from './constructs/alarms.ts';
import { Api } from './constructs/api.ts';
import { CairnFunction, type CairnFunctionProps } from './constructs/cairn-function.ts';
import { Dashboard } from './constructs/dashboard.ts';
import { Data } from './constructs/data.ts';
import { Events } from './constructs/events.ts';
import { grantAuthorizerLookups, grantKeyManagement } from './constructs/key-management-access.ts';
import { OperatorKey } from './constructs/operator-key.ts';
import { StreamConsumers } from './constructs/stream-consumers.ts';
import { TenantRole } from './constructs/tenant-role.ts';
import {
  type Access,
  type AccessEnvironment,
  accessOf,
  environmentOf,
  functionAccess,
} from './function-access.ts';
import type { Settings } from './settings.ts';

export interface CairnStackProps extends StackProps {
  settings: Settings;
  /** Deploy the webhook delivery worker (the default); `undefined` leaves it out. */
  webhookWorker?: boolean | undefined;
}

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
      if (!Object.hasOwn(functionAccess, name)) {
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
    // Each function gets the environment and the grants of its row in `functionAccess`, no more.
    const tableEnvironment = { CAIRN_TABLE: table.tableName };
    const places: AccessEnvironment = {
      tenantData: { ...tableEnvironment, CAIRN_BUCKET: artifacts.bucketName },
      keyManagement: tableEnvironment,
      keyLookup: tableEnvironment,
      operatorSecret: { CAIRN_OPERATOR_SECRET_ARN: this.operatorKey.secret.secretArn },
      publishEvents: this.events.busEnvironment,
      queueWebhooks: this.events.queueEnvironment,
      // The event source mapping reads the stream and reports failures; the code names neither.
      readStream: {},
      streamDeadLetters: {},
    };
    const tenantScoped: CairnFunction[] = [];
    const streamReaders = new Set<CairnFunction>();
    const grant = (fn: CairnFunction, access: readonly Access[]) => {
      for (const kind of access) {
        switch (kind) {
          case 'readStream':
          case 'streamDeadLetters':
            // Granted by the consumer's event source mapping (the stream read, its own queue).
            if (!streamReaders.has(fn)) throw new Error(`${kind} is for the table's stream consumers only`);
            break;
          case 'tenantData':
            tenantScoped.push(fn); // trusted by the tenant role, below
            break;
          case 'keyManagement':
            grantKeyManagement(fn.role, table);
            break;
          case 'keyLookup':
            grantAuthorizerLookups(fn.role, table);
            break;
          case 'operatorSecret':
            this.operatorKey.allowRead(fn.role);
            break;
          case 'publishEvents':
            this.events.allowPutEvents(fn.role);
            break;
          case 'queueWebhooks':
            this.events.allowQueueDeliveries(fn.role);
            break;
        }
      }
    };
    // Code, memory and timeout come from the function's bundle (`infra/bundles.ts`).
    const cairnFunction = (
      name: FunctionName,
      id: string,
      props: Pick<CairnFunctionProps, 'description'>,
    ) => {
      const access = accessOf(name);
      const fn = new CairnFunction(this, id, {
        ...common,
        ...props,
        bundle: name,
        environment: environmentOf(name, places),
        reservedConcurrentExecutions: settings.reservedConcurrency[name],
      });
      grant(fn, access);
      return fn;
    };

    this.functions = {};
    for (const domain of domains) {
      this.functions[domain] = cairnFunction(domain, `${pascal(domain)}Function`, {
        description: `Cairn ${domain} API`,
      });
    }

    this.authorizer = cairnFunction('authorizer', 'AuthorizerFunction', {
      description: 'Cairn API key authorizer',
    });

    // Extension point: queue consumers are functions too, with their own row in `functionAccess`.
    if (!('webhookWorker' in props) || props.webhookWorker) {
      this.webhookWorker = cairnFunction('webhookWorker', 'WebhookWorkerFunction', {
        description: 'Cairn webhook delivery worker',
      });
      this.events.deliverWebhooksWith(this.webhookWorker.fn);
    } else {
      this.webhookWorker = undefined;
      Annotations.of(this).addWarningV2(
        'cairn:no-webhook-worker',
        'No webhook delivery worker (functions/events/webhook-worker.ts): deliveries wait in their queue until one is deployed.',
      );
    }

    // Each consumer's event source grants it the stream read and its own dead-letter queue.
    for (const { name } of streamConsumers) {
      for (const kind of ['readStream', 'streamDeadLetters'] as const)
        if (!(accessOf(name) as readonly Access[]).includes(kind))
          throw new Error(`The stream consumer ${name} must declare ${kind} in infra/function-access.ts`);
    }
    this.streamConsumers = new StreamConsumers(this, 'Streams', {
      ...common,
      table,
      environment: Object.fromEntries(
        streamConsumers.map(({ name }) => [name, environmentOf(name, places)]),
      ) as Record<StreamConsumerName, Record<string, string>>,
      reservedConcurrency: settings.reservedConcurrency,
    });
    for (const [name, fn] of Object.entries(this.streamConsumers.functions) as [
      StreamConsumerName,
      CairnFunction,
    ][]) {
      streamReaders.add(fn);
      grant(fn, accessOf(name));
    }

    // The functions that do tenant work reach data only through the tenant role.
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
