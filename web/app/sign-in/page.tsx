'use client';
import { useRouter, useSearchParams } from 'next/navigation';
import { type FormEvent, Suspense, useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { InlineError } from '@/components/ui/states';
import * as api from '@/lib/api';
import { useDocumentTitle } from '@/lib/document-title';

/** Only same-site paths: `next` comes from the URL, and must not send the user elsewhere. */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/experiments/';
}

function SignIn() {
  const router = useRouter();
  const params = useSearchParams();
  const next = safeNext(params.get('next'));
  useDocumentTitle('Sign in');
  const [apiKey, setApiKey] = useState('');
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();

  useEffect(() => {
    if (api.storedApiKey()) router.replace(next);
  }, [next, router]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const key = apiKey.trim();
    if (!key) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.tenant.getSession({ apiKey: key });
      api.storeApiKey(key, remember);
      router.replace(next);
    } catch (failure) {
      const code = (failure as { code?: string }).code ?? '';
      setError(
        code.startsWith('auth.')
          ? new Error('This key is not valid: it may be mistyped or revoked.')
          : (failure as Error),
      );
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <div className="card signin-card">
        <header>
          <span className="brand-mark" aria-hidden="true">
            C
          </span>
          <h1>Sign in to Cairn</h1>
          <p>Use an API key of your team. It stays in this browser tab and is never put in a link.</p>
        </header>
        <form onSubmit={submit}>
          <div className="field">
            <label htmlFor="api-key">API key</label>
            <input
              id="api-key"
              className="input input-mono"
              type="password"
              autoComplete="off"
              spellCheck={false}
              placeholder="cairn_…"
              value={apiKey}
              onChange={(event) => setApiKey(event.target.value)}
              aria-invalid={error ? true : undefined}
              // biome-ignore lint/a11y/noAutofocus: the view exists to type here
              autoFocus
            />
          </div>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={remember}
              onChange={(event) => setRemember(event.target.checked)}
            />
            Keep me signed in on this device
          </label>
          {error ? <InlineError error={error} /> : null}
          <Button type="submit" variant="primary" busy={busy} disabled={!apiKey.trim()}>
            Sign in
          </Button>
        </form>
        <div className="signin-help">
          Running Cairn locally? <code>npm start</code> prints an admin key, and keeps it in{' '}
          <code>.cairn/local.json</code>. Admins create more keys under API keys.
        </div>
      </div>
    </div>
  );
}

export default function SignInPage() {
  return (
    <Suspense>
      <SignIn />
    </Suspense>
  );
}
