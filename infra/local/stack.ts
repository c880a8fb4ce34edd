import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { domains, routes } from '#functions/routes.ts';
import { streamConsumers } from '#functions/stream-consumers.ts';
import { localBucketName, localTableName } from '#table/definition.ts';
import { tenantGuardVariable } from '#table/tenant-guard.ts';
import { emulatorCredentials, emulatorRegion, startDynamo, startS3 } from './emulators.ts';
import { createGateway, type GatewayOptions } from './gateway.ts';
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
}

export interface LocalStack {
  url: string;
  env: Record<string, string>;
  server: Server;
  stop(): Promise<void>;
}

/**
 * The whole platform on loopback: DynamoDB Local, the S3 emulator, the table and bucket built from
 * the shared definitions, and the gateway serving the route table with the real handlers. The
 * functions find the emulators through the AWS SDK's own endpoint variables.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  const dynamo = await startDynamo({
    dir: options.persist === false ? undefined : join(dataDir, 'dynamodb'),
  });
  const s3 = await startS3({ dir: join(dataDir, 's3') }).catch(async (error) => {
    await dynamo.stop();
    throw error;
  });
  const env = {
    CAIRN_TABLE: localTableName,
    CAIRN_BUCKET: localBucketName,
    CAIRN_S3_FORCE_PATH_STYLE: 'true',
    CAIRN_ALLOW_LOOPBACK_WEBHOOKS: 'true',
    // Published events, one JSON-lines file per tenant: the local stand-in for EventBridge.
    CAIRN_EVENTS_DIR: join(dataDir, 'events'),
    // No IAM here: the SDK clients refuse what the tenant role would refuse on AWS.
    [tenantGuardVariable]: 'enforce',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: emulatorRegion,
    AWS_ACCESS_KEY_ID: emulatorCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulatorCredentials.secretAccessKey,
  };
  Object.assign(process.env, env);
  let stopPoller = async () => {};
  const stopEmulators = async () => {
    await stopPoller();
    await s3.stop();
    await dynamo.stop();
  };

  try {
    const dynamoClient = new DynamoDBClient({});
    const streamArn = await ensureTable(dynamoClient, env.CAIRN_TABLE);
    dynamoClient.destroy();
    const s3Client = new S3Client({ forcePathStyle: true });
    await ensureBucket(s3Client, env.CAIRN_BUCKET);
    s3Client.destroy();

    // Imported only now: each domain's Lambda entry, exactly what the AWS stack bundles.
    const handlers = Object.fromEntries(
      await Promise.all(
        domains.map(
          async (domain) => [domain, (await import(`#functions/${domain}/lambda.ts`)).handler] as const,
        ),
      ),
    ) as GatewayOptions['handlers'];
    const { handler: authorizer } = await import('#functions/tenants/authorizer.ts');
    // The table's stream consumers, as Lambda's event source mappings would run them.
    const poller = startStreamPoller({
      endpoint: dynamo.endpoint,
      streamArn,
      consumers: await Promise.all(
        streamConsumers.map(async (consumer) => ({
          consumer,
          handler: (await import(`#functions/${consumer.entry}`)).handler,
        })),
      ),
      failuresFile: join(dataDir, 'stream-failures.jsonl'),
      log: options.log,
    });
    stopPoller = () => poller.stop();
    const webRoot = options.webRoot ?? resolve(import.meta.dirname, '../../web/out');
    const server = createGateway({
      routes,
      handlers,
      authorizer,
      webRoot: existsSync(webRoot) ? webRoot : undefined,
      log: options.log,
    });
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => resolveListen());
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    return {
      url: `http://${host}:${port}`,
      env,
      server,
      async stop() {
        server.closeAllConnections();
        await new Promise<void>((done) => server.close(() => done()));
        await stopEmulators();
      },
    };
  } catch (error) {
    await stopEmulators();
    throw error;
  }
}
