import { CairnError } from './errors.ts';

/**
 * Node-only: finding `.cairn/local.json`, which `npm start` writes. The core client imports this
 * file, so it must not import `node:` modules at the top level: it asks the running process for
 * them (`process.getBuiltinModule`, Node ≥ 22.3), and in a browser it finds nothing.
 */

/** What `npm start` writes into its data folder. */
export interface LocalConfig {
  url?: string;
  tenant?: string;
  apiKey?: string;
  operatorKey?: string;
}

export interface LocalConfigFile {
  path: string;
  config: LocalConfig;
}

/** The process environment, or nothing in a browser. */
export function processEnv(): Record<string, string | undefined> {
  return globalThis.process?.env ?? {};
}

function builtins() {
  const load = globalThis.process?.getBuiltinModule;
  if (typeof load !== 'function') return undefined;
  return {
    fs: load('node:fs') as typeof import('node:fs'),
    path: load('node:path') as typeof import('node:path'),
  };
}

/**
 * `<CAIRN_DATA_DIR>/local.json` when that variable is set, else the nearest `.cairn/local.json`
 * walking up from `cwd`. Undefined when there is none (or no file system).
 */
export function findLocalConfig(
  env: Record<string, string | undefined> = processEnv(),
  cwd: string | undefined = globalThis.process?.cwd?.(),
): LocalConfigFile | undefined {
  const node = builtins();
  if (!node || cwd === undefined) return undefined;
  const { fs, path } = node;
  let file: string | undefined;
  if (env.CAIRN_DATA_DIR) {
    const candidate = path.resolve(cwd, env.CAIRN_DATA_DIR, 'local.json');
    if (fs.existsSync(candidate)) file = candidate;
  } else {
    for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, '.cairn', 'local.json');
      if (fs.existsSync(candidate)) {
        file = candidate;
        break;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  if (!file) return undefined;
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not a JSON object');
    const config: LocalConfig = {};
    for (const field of ['url', 'tenant', 'apiKey', 'operatorKey'] as const) {
      const value = (parsed as Record<string, unknown>)[field];
      if (typeof value === 'string' && value) config[field] = value;
    }
    return { path: file, config };
  } catch (error) {
    throw new CairnError('client.not_configured', `Cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
