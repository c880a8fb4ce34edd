import { CairnError } from './errors.ts';
import { findLocalConfig, type LocalConfigFile, processEnv } from './local-config.ts';

export interface ConnectionOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`; the SDK adds `/api/v1`. */
  url?: string;
  /** A tenant API key (`cairn_…`). */
  apiKey?: string;
  /** An operator key, only for `cairn.admin` calls. */
  operatorKey?: string;
}

export interface Connection {
  url: string;
  apiKey: string | undefined;
  /** Looked up on first use, since most clients never need one. */
  operatorKey: () => string | undefined;
  /** Where the settings came from, for error messages. */
  source: string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * Settings, first found wins: options, then `CAIRN_URL` / `CAIRN_API_KEY` / `CAIRN_OPERATOR_KEY`,
 * then `.cairn/local.json` (Node only). Keys from `local.json` are used only with the URL written
 * beside them, so a local admin key is never sent to a server named elsewhere.
 */
export function resolveConnection(
  options: ConnectionOptions = {},
  env: Record<string, string | undefined> = processEnv(),
  cwd?: string,
): Connection {
  let url = options.url ?? env.CAIRN_URL;
  let apiKey = options.apiKey ?? env.CAIRN_API_KEY;
  let source = options.url ? 'options' : env.CAIRN_URL ? 'CAIRN_URL' : '';
  let local: LocalConfigFile | undefined | null = null;
  const readLocal = () => {
    if (local === null) local = cwd === undefined ? findLocalConfig(env) : findLocalConfig(env, cwd);
    return local;
  };
  const sameServer = (file: LocalConfigFile) =>
    !!file.config.url && !!url && trimSlash(file.config.url) === trimSlash(url);

  if (!url || !apiKey) {
    const file = readLocal();
    if (file && !url && file.config.url) {
      url = file.config.url;
      source = file.path;
    }
    if (file && !apiKey && sameServer(file)) apiKey = file.config.apiKey;
  }
  if (!url) {
    throw new CairnError(
      'client.not_configured',
      'No Cairn server configured: set CAIRN_URL and CAIRN_API_KEY (or pass { url, apiKey }), ' +
        'or start the local stack with `npm start` so that .cairn/local.json exists',
    );
  }
  try {
    new URL(url);
  } catch {
    throw new CairnError('client.not_configured', `The Cairn URL from ${source} is not a URL: ${url}`);
  }
  const resolvedUrl = url;
  const explicitOperatorKey = options.operatorKey ?? env.CAIRN_OPERATOR_KEY;
  return {
    url: trimSlash(resolvedUrl),
    apiKey,
    source,
    operatorKey: () => {
      if (explicitOperatorKey) return explicitOperatorKey;
      const file = readLocal();
      return file && sameServer(file) ? file.config.operatorKey : undefined;
    },
  };
}
