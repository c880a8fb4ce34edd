'use client';
import { usePathname, useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useState } from 'react';

/**
 * The page's state lives in its query string (filters, sort, selection, tabs) so that a link
 * reproduces the view. Changes go through the History API, which Next.js syncs with
 * `useSearchParams` without fetching anything; until it has, the new query is held here so that
 * a checkbox does not flick back for a frame.
 */
export function useUrlState() {
  const routerParams = useSearchParams();
  const pathname = usePathname();
  const [pending, setPending] = useState<URLSearchParams | null>(null);

  useEffect(() => {
    setPending((current) => (current && current.toString() === routerParams.toString() ? null : current));
  }, [routerParams]);

  const params = useMemo(
    () => pending ?? new URLSearchParams(routerParams.toString()),
    [pending, routerParams],
  );

  const get = useCallback((name: string): string | undefined => params.get(name) ?? undefined, [params]);

  const getList = useCallback(
    (name: string): string[] =>
      (params.get(name) ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    [params],
  );

  const set = useCallback(
    (
      changes: Record<string, string | readonly string[] | undefined | null>,
      mode: 'replace' | 'push' = 'replace',
    ) => {
      const next = new URLSearchParams(window.location.search);
      for (const [name, value] of Object.entries(changes)) {
        const text = Array.isArray(value) ? value.join(',') : (value as string | undefined | null);
        if (text === undefined || text === null || text === '') next.delete(name);
        else next.set(name, text);
      }
      if (next.toString() === new URLSearchParams(window.location.search).toString()) return;
      setPending(next);
      const query = next.toString();
      const url = `${pathname}${query ? `?${query}` : ''}`;
      if (mode === 'push') window.history.pushState(null, '', url);
      else window.history.replaceState(null, '', url);
    },
    [pathname],
  );

  return { get, getList, set, params };
}
