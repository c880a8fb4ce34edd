import { resolve } from 'node:path';

/** Where the stack finds code and assets: everything is resolved from the repository root. */
export const repoRoot = resolve(import.meta.dirname, '..');

/** The dashboard's static export (`next build` with `output: 'export'`). */
export const webExport = resolve(repoRoot, 'web', 'out');
