// A local stack in its own process, for benchmarks whose client does CPU work (hashing) that
// would otherwise stall the in-process gateway and S3 emulator. Prints one JSON line with the
// URL, the emulator env and a fresh tenant's key, then runs until it is sent SIGTERM.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../../infra/local/stack.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'cairn-bench-stack-'));
const stack = await startLocalStack({ dataDir, port: 0, persist: false });
const Tenants = await import('#functions/tenants/store.ts');
const tenantId = `bench-${Date.now().toString(36)}`;
const { apiKey } = await Tenants.createTenant(
  { id: tenantId, name: 'bench' },
  { name: 'bench', createdBy: 'bench' },
);
process.stdout.write(
  `${JSON.stringify({ url: stack.url, env: stack.env, tenantId, apiKey: apiKey.secret })}\n`,
);
process.on('SIGTERM', async () => {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
