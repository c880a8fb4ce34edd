import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../../infra/local/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    cairn: {
      url: string;
      operatorKey: string;
      env: Record<string, string>;
      dataDir: string;
    };
  }
}

/**
 * Starts the real local stack once per run: DynamoDB Local in memory, the S3 emulator in a temporary
 * folder and the gateway on a free loopback port, invoking the bundled functions in containers of
 * their own under AWS's limits. Every test then mints its own tenant.
 */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-test-'));
  const stack = await startLocalStack({ dataDir, port: 0, persist: false });
  const Tenants = await import('#functions/tenants/store.ts');
  const operator = await Tenants.createOperatorKey('test operator');
  project.provide('cairn', {
    url: stack.url,
    operatorKey: operator.secret,
    env: stack.env,
    dataDir,
  });
  return async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
