/**
 * The API key the dashboard signs requests with. It lives in session storage (gone when the tab
 * closes) unless the user asked to stay signed in on this device; it never goes into the URL.
 */
const storageKey = 'cairn.apiKey';
const sessionKey = 'cairn.session';
const listeners = new Set<() => void>();

function stores(): Storage[] {
  if (typeof window === 'undefined') return [];
  return [window.sessionStorage, window.localStorage];
}

export function storedApiKey(): string | undefined {
  for (const store of stores()) {
    const value = store.getItem(storageKey);
    if (value) return value;
  }
  return undefined;
}

export function storeApiKey(apiKey: string, remember: boolean): void {
  clearApiKey(false);
  (remember ? window.localStorage : window.sessionStorage).setItem(storageKey, apiKey);
  for (const listener of listeners) listener();
}

export function clearApiKey(notify = true): void {
  for (const store of stores()) {
    store.removeItem(storageKey);
    store.removeItem(sessionKey);
  }
  if (notify) for (const listener of listeners) listener();
}

/** Called when the key changes: signed in, signed out, or rejected by the server. */
export function onApiKeyChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Who the key belongs to, as last answered, so that a page paints at once and checks the key in
 * the background instead of waiting for that round trip first.
 */
export function cachedSession<T>(): T | undefined {
  const apiKey = storedApiKey();
  if (!apiKey || typeof window === 'undefined') return undefined;
  try {
    const cached = JSON.parse(window.sessionStorage.getItem(sessionKey) ?? 'null') as {
      apiKey: string;
      session: T;
    } | null;
    return cached?.apiKey === apiKey ? cached.session : undefined;
  } catch {
    return undefined;
  }
}

export function cacheSession(session: unknown): void {
  const apiKey = storedApiKey();
  if (apiKey) window.sessionStorage.setItem(sessionKey, JSON.stringify({ apiKey, session }));
}
