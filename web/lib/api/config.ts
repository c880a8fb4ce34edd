/**
 * Where the API lives, learnt once from `/config.json`: whoever hosts the static export writes it
 * (the local gateway answers `{ "apiUrl": "" }`, meaning this origin; CloudFront serves the deployed
 * stack's API URL). One build therefore serves every stack.
 */
interface SiteConfig {
  apiUrl: string;
}

let loaded: Promise<SiteConfig> | undefined;

async function fetchConfig(): Promise<SiteConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  const body = (await response.json()) as Partial<SiteConfig>;
  return { apiUrl: (body.apiUrl ?? '').replace(/\/+$/, '') };
}

export function apiBaseUrl(): Promise<string> {
  loaded ??= fetchConfig().catch((error: unknown) => {
    // A failed read must not stick: the next call tries again.
    loaded = undefined;
    throw error;
  });
  return loaded.then((config) => config.apiUrl);
}
