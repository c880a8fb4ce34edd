import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  type BuildOptions,
  type BuildResult,
  build,
  buildSync,
  type Metafile,
  type OutputFile,
  version,
} from 'esbuild';
import { type Domain, domains } from '#functions/routes.ts';
import { type StreamConsumerName, streamConsumers } from '#functions/stream-consumers.ts';
import { repoRoot } from './paths.ts';

/**
 * Every Lambda function Cairn deploys, by bundle name: one per domain, one per stream consumer,
 * the authorizer and the webhook delivery worker. The CDK stack uploads these bundles and the local stack runs the very
 * same bytes in its workers; nothing else decides how function code is built.
 */
export interface FunctionSpec {
  /** A TypeScript file exporting `handler`, relative to the repository root. */
  entry: string;
  /** Lambda's timeout for the function, in seconds. */
  timeoutSeconds: number;
  memoryMb: number;
}

/** API Gateway gives up on an integration after 30 s; API functions stop just before. */
export const apiFunctionTimeoutSeconds = 29;

/** The webhook worker's timeout; the delivery queue's visibility timeout is derived from it. */
export const webhookWorkerTimeoutSeconds = 30;

const domainSpecs = Object.fromEntries(
  domains.map((domain) => [
    domain,
    { entry: `functions/${domain}/lambda.ts`, timeoutSeconds: apiFunctionTimeoutSeconds, memoryMb: 1024 },
  ]),
) as Record<Domain, FunctionSpec>;

const streamConsumerSpecs = Object.fromEntries(
  streamConsumers.map((row) => [
    row.name,
    { entry: `functions/${row.entry}`, timeoutSeconds: row.timeoutSeconds, memoryMb: row.memorySize },
  ]),
) as Record<StreamConsumerName, FunctionSpec>;

export const functionSpecs = {
  ...domainSpecs,
  // The table's stream consumers (`functions/stream-consumers.ts`): the event outbox, the upload verifier.
  ...streamConsumerSpecs,
  // API Gateway allows a Lambda authorizer 10 s before it answers 500.
  authorizer: { entry: 'functions/tenants/authorizer.ts', timeoutSeconds: 10, memoryMb: 512 },
  webhookWorker: {
    entry: 'functions/events/webhook-worker.ts',
    timeoutSeconds: webhookWorkerTimeoutSeconds,
    memoryMb: 512,
  },
} satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functionSpecs;
export const functionNames = Object.keys(functionSpecs) as FunctionName[];

/** The file Lambda loads: `index.handler` names `index.mjs`'s `handler` export. */
export const bundleFile = 'index.mjs';
export const lambdaHandler = 'index.handler';

// esbuild's ESM output cannot `require` Node built-ins from bundled CommonJS; this gives it one.
const requireShim = "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);";

/**
 * The packages the Node.js 24 Lambda runtime provides (the AWS SDK v3 and its Smithy core):
 * leaving them out keeps bundles small and cold starts short. The local stack's workers resolve
 * exactly these, and nothing else, from the repository's `node_modules`.
 */
export const runtimeProvided = ['@aws-sdk/*', '@smithy/*'] as const;

/**
 * How every function is built: an ESM bundle for Node 24, minified, with a linked source map
 * without sources. The output path is fixed inside the repository (and the files written
 * wherever the caller wants), so that source map paths, and so the bytes, are the same for the
 * CDK asset and for the local stack.
 */
function options(name: FunctionName): BuildOptions & { write: false; metafile: true } {
  return {
    absWorkingDir: repoRoot,
    entryPoints: [resolve(repoRoot, functionSpecs[name].entry)],
    outfile: join(repoRoot, 'cdk.out', 'functions', name, bundleFile),
    write: false,
    metafile: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    banner: { js: requireShim },
    external: [...runtimeProvided],
    logLevel: 'warning',
  };
}

/**
 * Everything besides the sources that decides a bundle's bytes: esbuild's version and the
 * options. A cache of bundles is valid while this and the inputs are unchanged.
 */
export function bundleKey(name: FunctionName): string {
  return JSON.stringify({ esbuild: version, options: options(name) });
}

export interface Bundle {
  name: FunctionName;
  files: { name: string; contents: Uint8Array }[];
  metafile: Metafile;
}

function toBundle(
  name: FunctionName,
  result: BuildResult & { outputFiles: OutputFile[]; metafile: Metafile },
) {
  return {
    name,
    files: result.outputFiles.map((file) => ({ name: basename(file.path), contents: file.contents })),
    metafile: result.metafile,
  };
}

/** Builds one function's bundle in memory. */
export async function bundle(name: FunctionName): Promise<Bundle> {
  return toBundle(name, await build(options(name)));
}

/** The same build, synchronously: CDK's local bundling hook cannot wait. */
export function bundleSync(name: FunctionName): Bundle {
  return toBundle(name, buildSync(options(name)));
}

/** Writes a bundle's files (`index.mjs`, `index.mjs.map`) into `dir`. */
export function writeBundle(built: Bundle, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const file of built.files) writeFileSync(join(dir, file.name), file.contents);
}
