// The access declaration against the code it is for: each function's bundle (esbuild, as the stack
// builds it) shows which modules it can run. A module that is absent proves the access unused; one
// that is present but undeclared would fail on AWS with AccessDenied (or, for events, go nowhere).
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { domains } from '#functions/routes.ts';
import { streamConsumers } from '#functions/stream-consumers.ts';
import { type Access, accessKinds, type FunctionName, functionAccess } from './function-access.ts';
import { authorizerEntry, domainEntry, repoRoot, webhookWorkerEntry } from './paths.ts';

const entries: Record<FunctionName, string> = {
  ...(Object.fromEntries(domains.map((domain) => [domain, domainEntry(domain)])) as Record<string, string>),
  authorizer: authorizerEntry,
  webhookWorker: webhookWorkerEntry,
  ...Object.fromEntries(
    streamConsumers.map((consumer) => [consumer.name, resolve(repoRoot, 'functions', consumer.entry)]),
  ),
} as Record<FunctionName, string>;

/** The module whose presence in a bundle means the function can exercise that access. */
const evidence: Partial<Record<Access, string>> = {
  publishEvents: 'functions/events/publisher.ts',
  queueWebhooks: 'functions/events/sqs-queue.ts',
  operatorSecret: 'functions/tenants/operator-secret.ts',
  keyManagement: 'functions/tenants/store.ts',
  keyLookup: 'functions/tenants/store.ts',
  tenantData: 'functions/table/client.ts',
};

/**
 * Access whose module serves nothing else, so that its presence means the access is needed. The
 * table client serves tenant data, key management and the key lookup alike, and the tenants store
 * both key management and the lookup: the IAM simulation pins those down.
 */
const onlyModuleOf: readonly Access[] = ['publishEvents', 'queueWebhooks', 'operatorSecret'];

/**
 * Functions whose bundle holds code they never run, so presence proves nothing for them (absence
 * still does): `system` serves the OpenAPI document, which imports every domain's operations for
 * their schemas.
 */
const bundlesMoreThanRuns: readonly FunctionName[] = ['system'];

async function modulesOf(entry: string): Promise<Set<string>> {
  const { metafile } = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['@aws-sdk/*'],
    absWorkingDir: repoRoot,
  });
  return new Set(Object.keys(metafile.inputs).map((input) => relative(repoRoot, input)));
}

describe('function access', () => {
  it('names only kinds of access the stack knows how to grant', () => {
    for (const [name, access] of Object.entries(functionAccess)) {
      for (const kind of access) expect(Object.keys(accessKinds), name).toContain(kind);
    }
  });

  it("matches what each function's bundle can do: declared access is used, used access is declared", async () => {
    for (const [name, entry] of Object.entries(entries) as [FunctionName, string][]) {
      if (!existsSync(entry)) continue; // the webhook worker is optional
      const modules = await modulesOf(entry);
      const declared = functionAccess[name] as readonly Access[];
      for (const [kind, module] of Object.entries(evidence) as [Access, string][]) {
        const present = modules.has(module);
        if (declared.includes(kind)) {
          expect(present, `${name} declares ${kind} but its bundle has no ${module}`).toBe(true);
        } else if (!bundlesMoreThanRuns.includes(name) && onlyModuleOf.includes(kind)) {
          expect(present, `${name} bundles ${module} but does not declare ${kind}`).toBe(false);
        }
      }
    }
  }, 60_000);
});
