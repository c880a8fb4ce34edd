import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { localBucketName } from '#table/definition.ts';
import { bootstrapLocal } from './bootstrap.ts';
import { javaProblem } from './emulators.ts';
import { startLocalStack } from './stack.ts';
import { startUploadSweep } from './upload-sweep.ts';

function fail(line: string): never {
  console.error(`cairn: ${line}`);
  process.exit(1);
}

async function portProblem(port: number, host: string): Promise<string | undefined> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      done(
        error.code === 'EADDRINUSE'
          ? `port ${port} is already in use: stop what holds it or set PORT`
          : error.message,
      ),
    );
    probe.listen(port, host, () => probe.close(() => done(undefined)));
  });
}

const dataDir = resolve(process.env.CAIRN_DATA_DIR ?? '.cairn');
const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`PORT must be a port number, not "${process.env.PORT}"`);

const java = javaProblem();
if (java) fail(java);
const busy = await portProblem(port, host);
if (busy) fail(busy);

mkdirSync(dataDir, { recursive: true });
const started = performance.now();
const stack = await startLocalStack({
  dataDir,
  port,
  host,
  log: process.env.CAIRN_QUIET ? undefined : (line) => console.log(line),
}).catch((error: Error) => fail(error.message));
const { config, created } = await bootstrapLocal(dataDir, stack.url);
// Abandoned multipart uploads: what the bucket's lifecycle rule does in AWS.
const uploadSweep = startUploadSweep({
  s3Dir: resolve(dataDir, 's3'),
  bucket: localBucketName,
  log: console.log,
});

console.log(`
Cairn is running at ${stack.url}  (ready in ${((performance.now() - started) / 1000).toFixed(1)} s)
  tenant     ${config.tenant}
  admin key  ${config.apiKey}${created ? '  (new)' : ''}
  data       ${dataDir}   (keys in ${resolve(dataDir, 'local.json')})

  curl ${stack.url}/api/v1/health
  curl -H "Authorization: Bearer ${config.apiKey}" ${stack.url}/api/v1/tenant
Ctrl-C stops it.
`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping Cairn…`);
  uploadSweep.stop();
  await stack.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
