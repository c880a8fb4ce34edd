import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, inject, test } from 'vitest';
import { newTenant } from '../../test/support/tenants.ts';

/*
 * The SDK's entry point must load in a browser (the dashboard imports it): no `node:` import may be
 * reachable from it. The bundle is built for the browser, where such an import fails the build, and
 * run in a context with web globals only (no `process`): reads work, file transfers refuse clearly.
 */

const entry = fileURLToPath(new URL('./index.ts', import.meta.url));

async function browserBundle(): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'CairnSdk',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

describe('@cairn/sdk in a browser', () => {
  test('bundles for the browser with no Node module, and in a page reads work while file calls refuse', async () => {
    const tenant = await newTenant('browser');
    const code = await browserBundle();
    const page = createContext({
      fetch,
      AbortSignal,
      AbortController,
      URL,
      URLSearchParams,
      TextEncoder,
      crypto,
      console,
      setTimeout,
      clearTimeout,
    });
    runInContext(code, page);
    const sdk = page.CairnSdk;
    const cairn = new sdk.Cairn({ url: inject('cairn').url, apiKey: tenant.adminKey });

    const models = await cairn.models.list();
    const datasets = await cairn.datasets.list();
    const push = await cairn.datasets.push('./data', { name: 'iris' }).catch((error: unknown) => error);

    expect(models).toEqual([]);
    expect(datasets).toEqual([]);
    expect(sdk.CairnError.is(push, 'client.not_supported')).toBe(true);
    expect(String(push)).toContain('needs Node.js');
  });
});
