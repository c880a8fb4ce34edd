'use client';
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useCan } from '@/components/shell/session';
import { Button } from '@/components/ui/button';
import { DataTable, sortRows } from '@/components/ui/data-table';
import { CompareIcon, RefreshIcon, SearchIcon, TrashIcon, UndoIcon } from '@/components/ui/icons';
import { Spinner } from '@/components/ui/states';
import { Segmented } from '@/components/ui/tabs';
import { useToast } from '@/components/ui/toast';
import * as api from '@/lib/api';
import { CairnError } from '@/lib/api';
import type { Run } from '@/lib/api/types';
import { formatCount } from '@/lib/format';
import { formatSort, parseSort } from '@/lib/sort-param';
import { useUrlState } from '@/lib/url-state';
import { ColumnPicker } from './column-picker';
import { orderByFor, runColumns } from './columns';
import { FilterBox } from './filter-box';
import { useRunPages } from './use-run-pages';

/** Comparing more runs than this stops being readable (and the bulk history call caps runs). */
export const maxCompared = 20;
const defaultMetricColumns = 6;
const defaultParamColumns = 4;

function keysOf(runs: readonly Run[], field: 'params' | 'metrics'): string[] {
  const keys = new Set<string>();
  for (const run of runs) for (const key in run[field]) keys.add(key);
  return [...keys].sort((a, b) => a.localeCompare(b));
}

/**
 * The runs of one or several experiments: filter (MLflow grammar), sort by any column, pick
 * columns, select runs to compare. Everything the user sets lives in the URL.
 */
export function RunsView({ experimentIds, totalHint }: { experimentIds: string[]; totalHint?: number }) {
  const url = useUrlState();
  const router = useRouter();
  const toast = useToast();
  const canWrite = useCan('writer');
  const filter = url.get('filter') ?? '';
  const view = url.get('view') === 'deleted' ? 'deleted' : 'active';
  const sort = parseSort(url.get('sort'));
  const selected = useMemo(() => new Set(url.getList('sel')), [url]);
  const serverOrder = sort ? orderByFor(sort.id, sort.desc) : undefined;
  const filterRef = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);

  const pages = useRunPages({
    experimentIds,
    filter,
    orderBy: serverOrder ? [serverOrder] : [],
    viewType: view,
  });

  const allLoaded = pages.status === 'ready' && !pages.nextPageToken;
  const params = useMemo(() => keysOf(pages.runs, 'params'), [pages.runs]);
  const metrics = useMemo(() => keysOf(pages.runs, 'metrics'), [pages.runs]);
  const colsParam = url.get('cols');
  const chosen = useMemo(() => {
    if (colsParam === 'none') return [];
    if (colsParam) return colsParam.split(',').filter(Boolean);
    return [
      ...metrics.slice(0, defaultMetricColumns).map((key) => `metrics.${key}`),
      ...params.slice(0, defaultParamColumns).map((key) => `params.${key}`),
    ];
  }, [colsParam, metrics, params]);

  const columns = useMemo(
    () =>
      runColumns({
        metrics: chosen.filter((id) => id.startsWith('metrics.')).map((id) => id.slice(8)),
        params: chosen.filter((id) => id.startsWith('params.')).map((id) => id.slice(7)),
        allLoaded,
      }),
    [chosen, allLoaded],
  );

  // The server orders what it can; a column it cannot order by is sorted here, over every run.
  const rows = useMemo(
    () => (sort && !serverOrder ? sortRows(pages.runs, columns, sort) : pages.runs),
    [pages.runs, columns, sort, serverOrder],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key !== '/' || target.closest('input, textarea, select, [contenteditable]')) return;
      event.preventDefault();
      filterRef.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const filterError = CairnError.is(pages.error, 'search.invalid_filter') ? pages.error : undefined;
  const tableError = pages.error && !filterError ? pages.error : undefined;
  const selectedIds = [...selected];

  const bulk = async (action: 'delete' | 'restore') => {
    setBusy(true);
    let done = 0;
    try {
      for (const id of selectedIds) {
        await (action === 'delete' ? api.runs.deleteRun(id) : api.runs.restoreRun(id));
        done++;
      }
      toast(`${action === 'delete' ? 'Deleted' : 'Restored'} ${done} run${done === 1 ? '' : 's'}`);
    } catch (error) {
      toast(`${(error as Error).message} (${done} done)`, 'error');
    }
    setBusy(false);
    url.set({ sel: undefined });
    pages.reload();
  };

  const countText = allLoaded
    ? `${formatCount(rows.length)} run${rows.length === 1 ? '' : 's'}`
    : `${formatCount(rows.length)} of ${
        totalHint !== undefined && !filter && view === 'active' ? formatCount(totalHint) : 'more'
      } runs loaded`;

  return (
    <>
      <div className="toolbar" style={{ alignItems: 'flex-start' }}>
        <FilterBox
          ref={filterRef}
          value={filter}
          onApply={(next) => url.set({ filter: next || undefined, sel: undefined })}
          error={
            filterError
              ? {
                  message: filterError.message,
                  position:
                    typeof filterError.details?.position === 'number'
                      ? filterError.details.position
                      : undefined,
                }
              : undefined
          }
        />
        <Segmented
          label="Lifecycle"
          items={[
            { id: 'active', label: 'Active' },
            { id: 'deleted', label: 'Deleted' },
          ]}
          value={view}
          onChange={(next) => url.set({ view: next === 'active' ? undefined : next, sel: undefined })}
        />
        <ColumnPicker
          params={params}
          metrics={metrics}
          chosen={chosen}
          onChange={(next) => url.set({ cols: next.length ? next : 'none' })}
        />
        <Button
          iconOnly
          icon={<RefreshIcon size={14} />}
          aria-label="Reload runs"
          title="Reload"
          onClick={pages.reload}
        />
      </div>
      {selected.size > 0 ? (
        <div className="toolbar">
          <div className="selection-bar" data-testid="selection-bar">
            <span>{selected.size} selected</span>
            <Button
              size="sm"
              variant="primary"
              icon={<CompareIcon size={13} />}
              disabled={selected.size < 2 || selected.size > maxCompared}
              title={
                selected.size < 2
                  ? 'Select at least two runs'
                  : selected.size > maxCompared
                    ? `Compare at most ${maxCompared} runs`
                    : undefined
              }
              onClick={() => router.push(`/compare/?runs=${selectedIds.join(',')}`)}
            >
              Compare
            </Button>
            {canWrite ? (
              view === 'deleted' ? (
                <Button
                  size="sm"
                  icon={<UndoIcon size={13} />}
                  busy={busy}
                  onClick={() => bulk('restore')}
                  data-write=""
                >
                  Restore
                </Button>
              ) : (
                <Button
                  size="sm"
                  variant="danger"
                  icon={<TrashIcon size={13} />}
                  busy={busy}
                  onClick={() => bulk('delete')}
                  data-write=""
                >
                  Delete
                </Button>
              )
            ) : null}
            <Button size="sm" variant="ghost" onClick={() => url.set({ sel: undefined })}>
              Clear
            </Button>
          </div>
        </div>
      ) : null}
      <DataTable
        label="Runs"
        fill
        rows={filterError ? [] : rows}
        columns={columns}
        rowKey={(run) => run.id}
        status={filterError ? 'ready' : tableError && rows.length === 0 ? 'error' : pages.status}
        error={tableError}
        onRetry={pages.reload}
        sort={sort}
        onSortChange={(next) => url.set({ sort: formatSort(next) })}
        selection={selected}
        onSelectionChange={(next) => url.set({ sel: [...next] })}
        onOpen={(run) => router.push(`/run/?id=${run.id}`)}
        onEndReached={pages.loadMore}
        rowClassName={(run) => (run.lifecycleStage === 'deleted' ? 'muted-row' : undefined)}
        empty={
          filterError ? (
            <div className="state" data-state="empty">
              <div className="state-title">Fix the filter to see runs</div>
            </div>
          ) : (
            <div className="state" data-state="empty">
              <div className="state-icon">
                <SearchIcon size={20} />
              </div>
              <div className="state-title">{filter ? 'No run matches this filter' : 'No runs yet'}</div>
              <div className="state-body">
                {filter
                  ? 'Try a looser condition, or clear the filter.'
                  : view === 'deleted'
                    ? 'Deleted runs wait here until restored.'
                    : 'Start a run with the SDK (cairn.startRun) or any MLflow client pointed at Cairn.'}
              </div>
            </div>
          )
        }
        footer={
          <>
            <span data-testid="run-count">{countText}</span>
            {pages.loadingMore || (pages.status === 'loading' && rows.length > 0) ? <Spinner /> : null}
            {tableError && rows.length > 0 ? (
              <span style={{ color: 'var(--danger)' }}>{tableError.message}</span>
            ) : null}
            <span className="spacer" />
            <span className="faint">↑↓ move · space select · enter open · / filter</span>
          </>
        }
      />
    </>
  );
}
