'use client';
import { usePathname, useRouter } from 'next/navigation';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { Button } from '@/components/ui/button';
import { ErrorState } from '@/components/ui/states';
import * as api from '@/lib/api';
import type { Role, Session } from '@/lib/api/types';
import { roleAllows } from '@/lib/roles';
import { AppShell } from './app-shell';

interface SessionValue {
  /** Undefined while the key is being checked: pages load their data meanwhile, write controls wait. */
  session: Session | undefined;
  signOut: () => void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a signed-in page');
  return value;
}

/** Whether the signed-in key may do what needs `role`; write controls render only when it may. */
export function useCan(role: Role): boolean {
  const { session } = useSession();
  return session !== undefined && roleAllows(session.role, role);
}

type State =
  | { status: 'checking' }
  /** A key is stored and being checked: the page renders and fetches in parallel. */
  | { status: 'provisional' }
  | { status: 'signed-out' }
  | { status: 'ready'; session: Session }
  | { status: 'error'; error: Error };

const publicPaths = ['/sign-in/'];

/**
 * Every page but sign-in needs a key: without one (or when the server stops accepting it) the
 * user lands on sign-in, which brings them back to where they were.
 */
export function SessionGate({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const router = useRouter();
  const isPublic = publicPaths.some((path) => pathname.startsWith(path));
  const [state, setState] = useState<State>({ status: 'checking' });
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` re-runs the check on retry
  useEffect(() => {
    let cancelled = false;
    const check = () => {
      if (!api.storedApiKey()) {
        setState({ status: 'signed-out' });
        return;
      }
      const cached = api.cachedSession<Session>();
      setState((current) =>
        current.status === 'ready'
          ? current
          : cached
            ? { status: 'ready', session: cached }
            : { status: 'provisional' },
      );
      api.tenant.getSession().then(
        (session) => {
          if (cancelled) return;
          api.cacheSession(session);
          setState((current) =>
            current.status === 'ready' && JSON.stringify(current.session) === JSON.stringify(session)
              ? current
              : { status: 'ready', session },
          );
        },
        (error: Error) => {
          if (cancelled) return;
          setState(api.storedApiKey() ? { status: 'error', error } : { status: 'signed-out' });
        },
      );
    };
    check();
    const unsubscribe = api.onApiKeyChange(check);
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, [attempt]);

  // Signing out on purpose lands on a plain sign-in page; losing the key elsewhere comes back here.
  const signingOut = useRef(false);
  useEffect(() => {
    if (state.status === 'signed-out' && !isPublic) {
      const here = `${window.location.pathname}${window.location.search}`;
      const back = signingOut.current || here === '/' ? '' : `?next=${encodeURIComponent(here)}`;
      router.replace(`/sign-in/${back}`);
    }
    if (isPublic) signingOut.current = false;
  }, [state.status, isPublic, router]);

  const signOut = useCallback(() => {
    signingOut.current = true;
    api.clearApiKey();
  }, []);

  const value = useMemo(
    () =>
      state.status === 'ready'
        ? { session: state.session, signOut }
        : state.status === 'provisional'
          ? { session: undefined, signOut }
          : null,
    [state, signOut],
  );

  if (isPublic) return <>{children}</>;
  if (state.status === 'error') {
    return (
      <div className="splash">
        <div className="card" style={{ width: 440 }}>
          <ErrorState
            error={state.error}
            title="Cannot reach Cairn"
            onRetry={() => setAttempt((n) => n + 1)}
          />
          <div className="state-actions" style={{ justifyContent: 'center', paddingBottom: 24 }}>
            <Button size="sm" variant="ghost" onClick={signOut}>
              Sign out
            </Button>
          </div>
        </div>
      </div>
    );
  }
  if (!value) {
    return (
      <div className="splash" role="status" aria-label="Loading">
        <span className="spinner" />
      </div>
    );
  }
  return (
    <SessionContext.Provider value={value}>
      <AppShell>{children}</AppShell>
    </SessionContext.Provider>
  );
}
