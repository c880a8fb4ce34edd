import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashSecret } from '#functions/tenants/secrets.ts';
import * as Tenants from '#functions/tenants/store.ts';

/** What `npm start` writes for the SDK, the CLI and people: `<data dir>/local.json`. */
export interface LocalConfig {
  url: string;
  tenant: string;
  apiKey: string;
  operatorKey: string;
}

export const localTenant = 'default';

async function stillValid(secret: string | undefined): Promise<boolean> {
  return !!secret && !!(await Tenants.findKeyByHash(hashSecret(secret)));
}

/**
 * First start: tenant `default`, an admin key and an operator key. Later starts reuse them, and
 * mint only what has gone missing (a revoked key, a deleted file).
 */
export async function bootstrapLocal(
  dataDir: string,
  url: string,
): Promise<{ config: LocalConfig; created: boolean }> {
  const file = join(dataDir, 'local.json');
  const previous: Partial<LocalConfig> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  let created = false;

  let operatorKey = previous.operatorKey;
  if (!(await stillValid(operatorKey))) {
    operatorKey = (await Tenants.createOperatorKey('local operator')).secret;
    created = true;
  }
  let apiKey = previous.apiKey;
  if (!(await stillValid(apiKey))) {
    const exists = await Tenants.getTenant(localTenant).then(
      () => true,
      () => false,
    );
    apiKey = exists
      ? (await Tenants.createKey(localTenant, { name: 'local admin', role: 'admin', createdBy: 'bootstrap' }))
          .secret
      : (
          await Tenants.createTenant(
            { id: localTenant, name: 'Default' },
            { name: 'local admin', createdBy: 'bootstrap' },
          )
        ).apiKey.secret;
    created = true;
  }
  const config: LocalConfig = { url, tenant: localTenant, apiKey: apiKey!, operatorKey: operatorKey! };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return { config, created };
}
