// The access declaration against the code it is for: each function's bundle, built by the one
// bundling definition the stack and the local stack use (`infra/bundles.ts`), shows which modules it
// can run. A module that is absent proves the access unused; one that is present but undeclared
// would fail on AWS with AccessDenied (or, for events, go nowhere).
import { relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundle, type FunctionName, functionNames } from './bundles.ts';
import { type Access, accessKinds, functionAccess } from './function-access.ts';
import { repoRoot } from './paths.ts';

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

async function modulesOf(name: FunctionName): Promise<Set<string>> {
  const { metafile } = await bundle(name);
  return new Set(Object.keys(metafile.inputs).map((input) => relative(repoRoot, resolve(repoRoot, input))));
}

describe('function access', () => {
  it('names only kinds of access the stack knows how to grant', () => {
    for (const [name, access] of Object.entries(functionAccess)) {
      for (const kind of access) expect(Object.keys(accessKinds), name).toContain(kind);
    }
  });

  it('declares every function that is bundled, and only those', () => {
    expect(Object.keys(functionAccess).sort()).toEqual([...functionNames].sort());
  });

  it("matches what each function's bundle can do: declared access is used, used access is declared", async () => {
    for (const name of functionNames) {
      const modules = await modulesOf(name);
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
