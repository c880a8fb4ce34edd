import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { routes } from '#functions/routes.ts';
import { streamConsumers } from '#functions/stream-consumers.ts';
import { localBucketName, localTableName } from '#table/definition.ts';
import { tenantGuardVariable } from '#table/tenant-guard.ts';
import { type FunctionName, functionNames, functionSpecs, runtimeProvided } from '../bundles.ts';
import { type AccessEnvironment, environmentOf } from '../function-access.ts';
import { repoRoot } from '../paths.ts';
import { emulatorCredentials, emulatorRegion, startDynamo, startS3 } from './emulators.ts';
import { prepareBundles } from './function-bundles.ts';
import { createGateway } from './gateway.ts';
import { defaultContainers, LocalFunction } from './lambda-runtime.ts';
import { ensureBucket, ensureTable } from './provision.ts';
import { startStreamPoller } from './stream-poller.ts';

export interface LocalStackOptions {
  dataDir: string;
  port: number;
  host?: string;
  /** Keep DynamoDB data on disk under `dataDir` (the default); tests run it in memory. */
  persist?: boolean;
  webRoot?: string;
  log?: (line: string) => void;
  /** Containers per function; default `CAIRN_LOCAL_CONTAINERS`, else 2. */
  containers?: number;
}

export interface LocalStack {
  url: string;
  /** The emulators' endpoints and credentials, for code that talks to them directly. */
  env: Record<string, string>;
  /** The functions as they run here: bundles, containers, cold starts. */
  functions: Record<FunctionName, LocalFunction>;
  server: Server;
  stop(): Promise<void>;
}

export function containersSetting(value = process.env.CAIRN_LOCAL_CONTAINERS): number {
  if (value === undefined || value === '') return defaultContainers;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 64)
    throw new Error(`CAIRN_LOCAL_CONTAINERS must be a whole number from 1 to 64, not "${value}"`);
  return count;
}

/**
 * Where the local stack keeps what each kind of access (`infra/function-access.ts`) reaches: the
 * table and the bucket in the emulators, published events in a folder (EventBridge's stand-in).
 * It has no operator secret (the local operator key is a key in the table, made by the bootstrap)
 * and no delivery queue (a delivery runs in the function that opens it), so those name nothing.
 */
function localPlaces(env: Record<string, string>): AccessEnvironment {
  const pick = (name: string): Record<string, string> => (env[name] ? { [name]: env[name] } : {});
  const table = pick('CAIRN_TABLE');
  return {
    tenantData: { ...table, ...pick('CAIRN_BUCKET'), ...pick('CAIRN_S3_FORCE_PATH_STYLE') },
    keyManagement: table,
    keyLookup: table,
    operatorSecret: {},
    publishEvents: pick('CAIRN_EVENTS_DIR'),
    queueWebhooks: {},
    readStream: {},
    streamDeadLetters: {},
  };
}

/**
 * One function's environment, from the stack's (`LocalStack.env`): what its row in
 * `infra/function-access.ts` implies, as on AWS, beside what every sandbox has here (the SDK's
 * endpoints, region and credentials, the tenant guard, the local webhook policy). A function that
 * reaches for a resource it did not declare finds no name for it, and fails here as it would there.
 */
export function functionEnvironment(name: FunctionName, env: Record<string, string>): Record<string, string> {
  const places = localPlaces(env);
  const placed = new Set(Object.values(places).flatMap((variables) => Object.keys(variables)));
  const everywhere = Object.fromEntries(Object.entries(env).filter(([variable]) => !placed.has(variable)));
  return { ...everywhere, ...environmentOf(name, places) };
}

export interface ApiOptions {
  /** The stack's environment (`LocalStack.env`); each function gets its share (`functionEnvironment`). */
  env: Record<string, string>;
  dataDir: string;
  port: number;
  host?: string;
  containers: number;
  webRoot?: string | undefined;
  log?: ((line: string) => void) | undefined;
  integrationTimeoutMs?: number;
  /** Bundles already being prepared (the stack starts them beside the emulators). */
  bundles?: ReturnType<typeof prepareBundles>;
}

/**
 * The API half of the local stack over running emulators: every function's deployed bundle in
 * containers of its own, and the gateway in front. Tests start a second one beside the suite's
 * stack to try other container counts.
 */
export async function startApi(options: ApiOptions) {
  const dataDir = resolve(options.dataDir);
  const bundles = await (options.bundles ?? prepareBundles(join(dataDir, 'functions')));
  const functions = Object.fromEntries(
    functionNames.map((name) => [
      name,
      new LocalFunction({
        name: `cairn-${name}`,
        bundlePath: bundles[name].path,
        env: functionEnvironment(name, options.env),
        timeoutSeconds: functionSpecs[name].timeoutSeconds,
        memoryMb: functionSpecs[name].memoryMb,
        containers: options.containers,
        provided: runtimeProvided,
        providedFrom: join(repoRoot, 'package.json'),
      }),
    ]),
  ) as Record<FunctionName, LocalFunction>;
  const server = createGateway({
    routes,
    invoke: (name, event, requestId) => functions[name as FunctionName].invoke(event, requestId),
    webRoot: options.webRoot,
    log: options.log,
    integrationTimeoutMs: options.integrationTimeoutMs,
  });
  const host = options.host ?? '127.0.0.1';
  const stopFunctions = () => Promise.all(Object.values(functions).map((fn) => fn.stop()));
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => resolveListen());
    });
  } catch (error) {
    await stopFunctions();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host}:${port}`,
    functions,
    server,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await stopFunctions();
    },
  };
}

/**
 * The whole platform on loopback: DynamoDB Local and the S3 emulator (each in a process that
 * dies with this one), the table and bucket built from the shared definitions, and the gateway
 * invoking the very bundles the AWS stack deploys. The functions find the emulators through the
 * AWS SDK's own endpoint variables.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  const containers = options.containers ?? containersSetting();
  const log = options.log ?? ((line: string) => console.error(line));
  // The emulators start while the bundles build (or are found current).
  const bundles = prepareBundles(join(dataDir, 'functions'));
  bundles.catch(() => undefined);
  const [dynamo, s3] = await Promise.allSettled([
    startDynamo({ dir: options.persist === false ? undefined : join(dataDir, 'dynamodb'), log }),
    startS3({ dir: join(dataDir, 's3'), log }),
  ]);
  const stopEmulators = async () => {
    await Promise.all([
      s3.status === 'fulfilled' ? s3.value.stop() : undefined,
      dynamo.status === 'fulfilled' ? dynamo.value.stop() : undefined,
    ]);
  };
  if (dynamo.status === 'rejected' || s3.status === 'rejected') {
    await stopEmulators();
    throw dynamo.status === 'rejected' ? dynamo.reason : (s3 as PromiseRejectedResult).reason;
  }
  const env = {
    CAIRN_TABLE: localTableName,
    CAIRN_BUCKET: localBucketName,
    CAIRN_S3_FORCE_PATH_STYLE: 'true',
    CAIRN_ALLOW_LOOPBACK_WEBHOOKS: 'true',
    // Published events, one JSON-lines file per tenant: the local stand-in for EventBridge.
    CAIRN_EVENTS_DIR: join(dataDir, 'events'),
    // No IAM here: the SDK clients refuse what the tenant role would refuse on AWS.
    [tenantGuardVariable]: 'enforce',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.value.endpoint,
    AWS_ENDPOINT_URL_S3: s3.value.endpoint,
    AWS_REGION: emulatorRegion,
    AWS_ACCESS_KEY_ID: emulatorCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulatorCredentials.secretAccessKey,
  };
  Object.assign(process.env, env);

  try {
    const dynamoClient = new DynamoDBClient({});
    const streamArn = await ensureTable(dynamoClient, env.CAIRN_TABLE);
    dynamoClient.destroy();
    const s3Client = new S3Client({ forcePathStyle: true });
    await ensureBucket(s3Client, env.CAIRN_BUCKET);
    s3Client.destroy();

    const webRoot = options.webRoot ?? resolve(import.meta.dirname, '../../web/out');
    const api = await startApi({
      env,
      dataDir,
      port: options.port,
      host: options.host,
      containers,
      bundles,
      webRoot: existsSync(webRoot) ? webRoot : undefined,
      log: options.log,
    });
    // The table's stream consumers, as Lambda's event source mappings run them: the poller reads
    // DynamoDB Local's stream and invokes each consumer's bundle in its containers.
    const poller = startStreamPoller({
      endpoint: dynamo.value.endpoint,
      streamArn,
      consumers: streamConsumers.map((consumer) => ({
        consumer,
        handler: async (event) => {
          const invoked = await api.functions[consumer.name].invoke(event);
          if (!invoked.ok) throw new Error(`${invoked.error.errorType}: ${invoked.error.errorMessage}`);
          return JSON.parse(invoked.payload);
        },
      })),
      failuresFile: join(dataDir, 'stream-failures.jsonl'),
      log: options.log,
    });
    return {
      ...api,
      env,
      async stop() {
        await poller.stop();
        await api.stop();
        await stopEmulators();
      },
    };
  } catch (error) {
    await stopEmulators();
    throw error;
  }
}
