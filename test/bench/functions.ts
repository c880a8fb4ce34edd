import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { type FunctionName, functionNames, functionSpecs, runtimeProvided } from '../../infra/bundles.ts';
import { prepareBundles } from '../../infra/local/function-bundles.ts';
import { LocalFunction } from '../../infra/local/lambda-runtime.ts';
import { repoRoot } from '../../infra/paths.ts';
import { fmt, median } from './stack.ts';

/** An event each function answers without reaching AWS: init is what is measured, not the call. */
const harmless: Record<string, unknown> = {
  authorizer: { type: 'REQUEST', headers: {}, requestContext: { http: { method: 'GET' } } },
  webhookWorker: { Records: [] },
  outbox: { Records: [] },
  uploadVerifier: { Records: [] },
};
const unknownRoute = {
  version: '2.0',
  routeKey: 'GET /nowhere',
  rawPath: '/nowhere',
  rawQueryString: '',
  headers: {},
  requestContext: { requestId: 'bench', http: { method: 'GET', path: '/nowhere' } },
};

/**
 * The cost of a cold start in a fresh container (a worker with its own module graph, the AWS SDK
 * loaded from `node_modules` as the runtime loads it), `samples` times, median reported.
 */
async function initTimes(bundlePath: string, name: string, event: unknown, samples: number) {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const fn = new LocalFunction({
      name,
      bundlePath,
      env: { CAIRN_TABLE: 'bench', CAIRN_BUCKET: 'bench', AWS_REGION: 'us-east-1' },
      timeoutSeconds: 30,
      memoryMb: 1024,
      containers: 1,
      provided: runtimeProvided,
      providedFrom: join(repoRoot, 'package.json'),
    });
    const result = await fn.invoke(event);
    await fn.stop();
    if (!result.ok) throw new Error(`${name}: ${result.error.errorType} ${result.error.errorMessage}`);
    times.push(result.container.initMs ?? Number.NaN);
  }
  return median(times);
}

/**
 * Each deployed function's bundle (the bytes `cdk synth` uploads) and its cold-start
 * initialisation, against an empty function built with the same options as the baseline: the
 * runtime's own floor.
 */
export async function functionsBench(samples = 7) {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-functions-'));
  try {
    const bundles = await prepareBundles(join(dir, 'functions'));
    const emptyDir = join(dir, 'empty');
    mkdirSync(emptyDir);
    writeFileSync(join(emptyDir, 'entry.mjs'), 'export const handler = async () => ({});');
    await build({
      entryPoints: [join(emptyDir, 'entry.mjs')],
      outfile: join(emptyDir, 'index.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      minify: true,
      logLevel: 'warning',
    });
    const baseline = await initTimes(join(emptyDir, 'index.mjs'), 'empty', {}, samples);
    const lines = [
      `baseline: an empty function's cold start, median ${fmt(baseline, 1)} ms over ${samples} fresh containers`,
      'function        bundle   gzip     init (median)  × baseline',
    ];
    for (const name of functionNames) {
      const prepared = bundles[name as FunctionName];
      const code = readFileSync(prepared.path);
      const init = await initTimes(prepared.path, `cairn-${name}`, harmless[name] ?? unknownRoute, samples);
      lines.push(
        `${name.padEnd(14)} ${`${fmt(code.length / 1024)} KB`.padStart(7)} ${`${fmt(gzipSync(code).length / 1024)} KB`.padStart(7)}  ${`${fmt(init, 1)} ms`.padStart(12)}  ${fmt(init / baseline, 1).padStart(9)}×   (${functionSpecs[name].memoryMb} MB)`,
      );
    }
    return { name: `functions: bundle size and cold-start init, ${samples} fresh containers each`, lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
