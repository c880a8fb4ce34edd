import { CairnError } from './errors.ts';

/**
 * Node's modules for the calls that read and write local files (pushes, pulls, artifacts). They are
 * asked of the running process (`process.getBuiltinModule`, Node ≥ 22.3) rather than imported, so
 * that no `node:` import is reachable from the SDK's entry point: it still loads, and bundles, in a
 * browser, where these calls throw `client.not_supported` instead.
 */

export interface NodeBuiltins {
  crypto: typeof import('node:crypto');
  fs: typeof import('node:fs');
  fsp: typeof import('node:fs/promises');
  os: typeof import('node:os');
  path: typeof import('node:path');
  stream: typeof import('node:stream');
}

let loaded: NodeBuiltins | undefined;

export function nodeBuiltins(): NodeBuiltins {
  if (loaded) return loaded;
  const load = globalThis.process?.getBuiltinModule;
  if (typeof load !== 'function') {
    throw new CairnError(
      'client.not_supported',
      'Reading and writing local files needs Node.js ≥ 22.18; in a browser, use the calls that only read the API',
    );
  }
  loaded = {
    crypto: load('node:crypto') as typeof import('node:crypto'),
    fs: load('node:fs') as typeof import('node:fs'),
    fsp: load('node:fs/promises') as typeof import('node:fs/promises'),
    os: load('node:os') as typeof import('node:os'),
    path: load('node:path') as typeof import('node:path'),
    stream: load('node:stream') as typeof import('node:stream'),
  };
  return loaded;
}
