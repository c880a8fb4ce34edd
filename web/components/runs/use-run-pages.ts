'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import * as api from '@/lib/api';
import type { Run, ViewType } from '@/lib/api/types';

/** A small first page paints fast; later pages are larger and load as the user scrolls towards them. */
export const firstPageSize = 500;
export const nextPageSize = 1000;

interface State {
  runs: Run[];
  nextPageToken: string | undefined;
  status: 'loading' | 'error' | 'ready';
  error: Error | undefined;
  loadingMore: boolean;
}

/**
 * The runs of a search, page by page: filter and order run on the server (MLflow's grammar),
 * and each page is appended as the table's end comes into view.
 */
export function useRunPages(search: {
  experimentIds: string[];
  filter: string;
  orderBy: string[];
  viewType: ViewType;
}) {
  const [state, setState] = useState<State>({
    runs: [],
    nextPageToken: undefined,
    status: 'loading',
    error: undefined,
    loadingMore: false,
  });
  const [generation, setGeneration] = useState(0);
  const current = useRef<AbortController | undefined>(undefined);
  const loading = useRef(false);
  const key = JSON.stringify(search);
  const searchRef = useRef(search);
  searchRef.current = search;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the whole search
  useEffect(() => {
    current.current?.abort();
    const controller = new AbortController();
    current.current = controller;
    loading.current = false;
    setState((previous) => ({ ...previous, status: 'loading', error: undefined, loadingMore: false }));
    api.runs.searchRuns({ ...searchRef.current, maxResults: firstPageSize, signal: controller.signal }).then(
      (page) => {
        if (controller.signal.aborted) return;
        setState({
          runs: page.items,
          nextPageToken: page.nextPageToken,
          status: 'ready',
          error: undefined,
          loadingMore: false,
        });
      },
      (error: Error) => {
        if (controller.signal.aborted) return;
        setState({ runs: [], nextPageToken: undefined, status: 'error', error, loadingMore: false });
      },
    );
    return () => controller.abort();
  }, [key, generation]);

  const stateRef = useRef(state);
  stateRef.current = state;
  const loadMore = useCallback(() => {
    const controller = current.current;
    const { nextPageToken, status } = stateRef.current;
    if (!controller || controller.signal.aborted || loading.current || !nextPageToken || status !== 'ready')
      return;
    loading.current = true;
    setState((previous) => ({ ...previous, loadingMore: true }));
    api.runs
      .searchRuns({
        ...searchRef.current,
        maxResults: nextPageSize,
        pageToken: nextPageToken,
        signal: controller.signal,
      })
      .then(
        (page) => {
          if (controller.signal.aborted) return;
          loading.current = false;
          setState((latest) => ({
            ...latest,
            runs: [...latest.runs, ...page.items],
            nextPageToken: page.nextPageToken,
            loadingMore: false,
          }));
        },
        (error: Error) => {
          if (controller.signal.aborted) return;
          loading.current = false;
          setState((latest) => ({ ...latest, loadingMore: false, error }));
        },
      );
  }, []);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, loadMore, reload };
}
