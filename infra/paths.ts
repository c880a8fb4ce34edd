import { resolve } from 'node:path';

/** Where the stack finds code and assets: everything is resolved from the repository root. */
export const repoRoot = resolve(import.meta.dirname, '..');

/** A domain's Lambda entry: `functions/<domain>/lambda.ts`, exporting `handler`. */
export const domainEntry = (domain: string) => resolve(repoRoot, 'functions', domain, 'lambda.ts');

export const authorizerEntry = resolve(repoRoot, 'functions', 'tenants', 'authorizer.ts');

/** The dashboard's static export (`next build` with `output: 'export'`). */
export const webExport = resolve(repoRoot, 'web', 'out');

export const lockFile = resolve(repoRoot, 'package-lock.json');

/** The webhook delivery worker: consumes the delivery queue rather than serving a route. */
export const webhookWorkerEntry = resolve(repoRoot, 'functions', 'events', 'webhook-worker.ts');
