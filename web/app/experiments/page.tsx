'use client';
import { useRouter } from 'next/navigation';
import { Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { experimentColumns } from '@/components/experiments/columns';
import { DeleteExperimentDialog, ExperimentFormDialog } from '@/components/experiments/experiment-dialogs';
import { useCan } from '@/components/shell/session';
import { Button } from '@/components/ui/button';
import { type Column, DataTable, sortRows } from '@/components/ui/data-table';
import {
  CompareIcon,
  FlaskIcon,
  PencilIcon,
  PlusIcon,
  SearchIcon,
  TrashIcon,
  UndoIcon,
} from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState } from '@/components/ui/states';
import { Segmented } from '@/components/ui/tabs';
import { useToast } from '@/components/ui/toast';
import * as api from '@/lib/api';
import type { Experiment } from '@/lib/api/types';
import { useDocumentTitle } from '@/lib/document-title';
import { formatCount } from '@/lib/format';
import { formatSort, parseSort } from '@/lib/sort-param';
import { useUrlState } from '@/lib/url-state';
import { useDebounced } from '@/lib/use-debounced';
import { useResource } from '@/lib/use-resource';

function Experiments() {
  const url = useUrlState();
  const router = useRouter();
  const toast = useToast();
  const canWrite = useCan('writer');
  useDocumentTitle('Experiments');
  const view = url.get('view') === 'deleted' ? 'deleted' : 'active';
  const sort = parseSort(url.get('sort')) ?? { id: 'lastRunAt', desc: true };
  const [search, setSearch] = useState(url.get('q') ?? '');
  const query = useDebounced(search.trim());
  const selected = useMemo(() => new Set(url.getList('sel')), [url]);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Experiment>();
  const [deleting, setDeleting] = useState<Experiment>();

  const list = useResource(
    (signal) => api.experiments.listExperiments({ search: query, viewType: view, signal }),
    [query, view],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: mirror the settled search into the URL only
  useEffect(() => {
    if ((url.get('q') ?? '') !== query) url.set({ q: query || undefined });
  }, [query]);

  const restoreRef = useRef<(experiment: Experiment) => void>(() => {});
  restoreRef.current = async (experiment: Experiment) => {
    try {
      await api.experiments.restoreExperiment(experiment.id);
      toast(`Restored ${experiment.name}`);
      list.reload();
    } catch (error) {
      toast((error as Error).message, 'error');
    }
  };

  const columns = useMemo(() => {
    const base = experimentColumns();
    if (!canWrite) return base;
    const actions: Column<Experiment> = {
      id: 'actions',
      header: '',
      width: 84,
      align: 'right',
      cell: (experiment) =>
        experiment.lifecycleStage === 'deleted' ? (
          <Button
            size="sm"
            variant="ghost"
            icon={<UndoIcon size={13} />}
            onClick={() => restoreRef.current(experiment)}
            data-write=""
          >
            Restore
          </Button>
        ) : (
          <span className="toolbar" style={{ gap: 2, justifyContent: 'flex-end' }}>
            <Button
              size="sm"
              variant="ghost"
              iconOnly
              icon={<PencilIcon size={13} />}
              aria-label={`Edit ${experiment.name}`}
              title="Rename or describe"
              onClick={() => setEditing(experiment)}
              data-write=""
            />
            {experiment.id !== '0' ? (
              <Button
                size="sm"
                variant="ghost"
                iconOnly
                icon={<TrashIcon size={13} />}
                aria-label={`Delete ${experiment.name}`}
                title="Delete"
                onClick={() => setDeleting(experiment)}
                data-write=""
              />
            ) : null}
          </span>
        ),
    };
    return [...base, actions];
  }, [canWrite]);

  const rows = useMemo(() => sortRows(list.data ?? [], columns, sort), [list.data, columns, sort]);
  const totalRuns = (list.data ?? []).reduce((sum, experiment) => sum + experiment.runCount, 0);

  return (
    <div className="page fill">
      <PageHeader
        title="Experiments"
        subtitle={
          list.data ? (
            <span>
              {formatCount(list.data.length)} {view === 'deleted' ? 'deleted ' : ''}experiments ·{' '}
              {formatCount(totalRuns)} runs
            </span>
          ) : (
            <span>&nbsp;</span>
          )
        }
        actions={
          canWrite ? (
            <Button
              variant="primary"
              icon={<PlusIcon size={14} />}
              onClick={() => setCreating(true)}
              data-write=""
            >
              New experiment
            </Button>
          ) : null
        }
      />
      <div className="toolbar">
        <div className="filter-box" style={{ maxWidth: 360 }}>
          <SearchIcon size={14} />
          <input
            className="input"
            style={{ fontFamily: 'var(--font-sans)', fontSize: 13 }}
            type="search"
            placeholder="Search experiments by name"
            aria-label="Search experiments by name"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        <Segmented
          label="Lifecycle"
          items={[
            { id: 'active', label: 'Active' },
            { id: 'deleted', label: 'Deleted' },
          ]}
          value={view}
          onChange={(next) => url.set({ view: next === 'active' ? undefined : next, sel: undefined })}
        />
        <span className="spacer" />
        {selected.size > 0 ? (
          <div className="selection-bar">
            {selected.size} selected
            <Button
              size="sm"
              variant="primary"
              icon={<CompareIcon size={13} />}
              onClick={() => router.push(`/runs/?experiments=${[...selected].join(',')}`)}
            >
              Open runs together
            </Button>
            <Button size="sm" variant="ghost" onClick={() => url.set({ sel: undefined })}>
              Clear
            </Button>
          </div>
        ) : null}
      </div>
      <DataTable
        label="Experiments"
        fill
        rows={rows}
        columns={columns}
        rowKey={(experiment) => experiment.id}
        status={list.status}
        error={list.error}
        onRetry={list.reload}
        sort={sort}
        onSortChange={(next) => url.set({ sort: formatSort(next) })}
        selection={selected}
        onSelectionChange={(next) => url.set({ sel: [...next] })}
        onOpen={(experiment) => router.push(`/experiment/?id=${experiment.id}`)}
        rowClassName={(experiment) => (experiment.lifecycleStage === 'deleted' ? 'muted-row' : undefined)}
        empty={
          query ? (
            <EmptyState title="No experiment matches" icon={<SearchIcon size={20} />}>
              Nothing is named like “{query}”.
            </EmptyState>
          ) : view === 'deleted' ? (
            <EmptyState title="No deleted experiments">
              Deleted experiments wait here until restored.
            </EmptyState>
          ) : (
            <EmptyState
              title="No experiments yet"
              icon={<FlaskIcon size={20} />}
              actions={
                canWrite ? (
                  <Button
                    variant="primary"
                    icon={<PlusIcon size={14} />}
                    onClick={() => setCreating(true)}
                    data-write=""
                  >
                    New experiment
                  </Button>
                ) : null
              }
            >
              Log a run with the SDK or an MLflow client, or create an experiment here.
            </EmptyState>
          )
        }
      />
      <ExperimentFormDialog
        open={creating || !!editing}
        experiment={editing}
        onClose={() => {
          setCreating(false);
          setEditing(undefined);
        }}
        onSaved={(experiment) => {
          toast(editing ? `Saved ${experiment.name}` : `Created ${experiment.name}`);
          setCreating(false);
          setEditing(undefined);
          list.reload();
        }}
      />
      <DeleteExperimentDialog
        experiment={deleting}
        onClose={() => setDeleting(undefined)}
        onDeleted={(experiment) => {
          toast(`Deleted ${experiment.name}`);
          setDeleting(undefined);
          list.reload();
        }}
      />
    </div>
  );
}

export default function ExperimentsPage() {
  return (
    <Suspense>
      <Experiments />
    </Suspense>
  );
}
