'use client';
import { Suspense, useState } from 'react';
import { chartSettingsFrom, chartSettingsParams } from '@/components/charts/chart-settings';
import { RunArtifacts } from '@/components/run/run-artifacts';
import { RunCharts } from '@/components/run/run-charts';
import { RunLineage } from '@/components/run/run-lineage';
import { RunOverview } from '@/components/run/run-overview';
import { StatusLabel } from '@/components/runs/status';
import { useCan } from '@/components/shell/session';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { ConfirmDialog, Dialog } from '@/components/ui/dialog';
import { PencilIcon, TrashIcon, UndoIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { ErrorState, InlineError, LoadingState } from '@/components/ui/states';
import { Tabs } from '@/components/ui/tabs';
import { useToast } from '@/components/ui/toast';
import * as api from '@/lib/api';
import type { Run } from '@/lib/api/types';
import { useDocumentTitle } from '@/lib/document-title';
import { formatDuration, formatRelative } from '@/lib/format';
import { useUrlState } from '@/lib/url-state';
import { useResource } from '@/lib/use-resource';

const tabs = ['overview', 'charts', 'artifacts', 'lineage'] as const;
type Tab = (typeof tabs)[number];

function RenameDialog({
  run,
  open,
  onClose,
  onSaved,
}: {
  run: Run;
  open: boolean;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [name, setName] = useState(run.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Rename run"
      onSubmit={async () => {
        setBusy(true);
        try {
          await api.runs.renameRun(run.id, name.trim());
          onSaved();
        } catch (failure) {
          setError(failure as Error);
        }
        setBusy(false);
      }}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={!name.trim()}>
            Rename
          </Button>
        </>
      }
    >
      <div className="field">
        <label htmlFor="run-name">Name</label>
        <input
          id="run-name"
          className="input"
          value={name}
          maxLength={250}
          onChange={(event) => setName(event.target.value)}
          autoFocus
        />
      </div>
      {error ? <InlineError error={error} /> : null}
    </Dialog>
  );
}

function RunPage() {
  const url = useUrlState();
  const toast = useToast();
  const canWrite = useCan('writer');
  const id = url.get('id') ?? '';
  const tab: Tab = (tabs as readonly string[]).includes(url.get('tab') ?? '')
    ? (url.get('tab') as Tab)
    : 'overview';
  const settings = chartSettingsFrom(url.get);
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [busy, setBusy] = useState(false);
  const run = useResource((signal) => api.runs.getRun(id, signal), [id]);
  const experimentId = run.data?.experimentId;
  useDocumentTitle(run.data?.name);
  const experiment = useResource(
    (signal) =>
      experimentId ? api.experiments.getExperiment(experimentId, signal) : new Promise<never>(() => {}),
    [experimentId],
  );

  if (run.status === 'error' && !run.data) {
    const missing =
      api.CairnError.is(run.error, 'runs.not_found') || api.CairnError.is(run.error, 'request.invalid');
    return (
      <div className="page">
        <ErrorState
          error={run.error}
          title={missing ? 'This run does not exist' : 'Could not load the run'}
          onRetry={missing ? undefined : run.reload}
        />
      </div>
    );
  }
  if (!run.data) return <LoadingState />;
  const current = run.data;
  const deleted = current.lifecycleStage === 'deleted';

  const setLifecycle = async (action: 'delete' | 'restore') => {
    setBusy(true);
    try {
      await (action === 'delete' ? api.runs.deleteRun(current.id) : api.runs.restoreRun(current.id));
      toast(action === 'delete' ? 'Run deleted' : 'Run restored');
      setDeleting(false);
      run.reload();
    } catch (error) {
      toast((error as Error).message, 'error');
    }
    setBusy(false);
  };

  return (
    <div className="page">
      <PageHeader
        crumbs={[
          { label: 'Experiments', href: '/experiments/' },
          {
            label: experiment.data?.name ?? `#${current.experimentId}`,
            href: `/experiment/?id=${current.experimentId}`,
          },
          { label: current.name },
        ]}
        title={
          <>
            <span data-testid="run-name">{current.name}</span>
            {deleted ? <Badge tone="danger">deleted</Badge> : null}
          </>
        }
        subtitle={
          <>
            <StatusLabel status={current.status} />
            <span>by {current.user}</span>
            <span title={new Date(current.startTime).toISOString()}>
              started {formatRelative(current.startTime)}
            </span>
            {current.durationMs !== null ? <span>took {formatDuration(current.durationMs)}</span> : null}
          </>
        }
        actions={
          <>
            <CopyButton text={current.id} label="Copy ID" />
            {canWrite ? (
              deleted ? (
                <Button
                  icon={<UndoIcon size={14} />}
                  busy={busy}
                  onClick={() => setLifecycle('restore')}
                  data-write=""
                >
                  Restore
                </Button>
              ) : (
                <>
                  <Button icon={<PencilIcon size={14} />} onClick={() => setRenaming(true)} data-write="">
                    Rename
                  </Button>
                  <Button
                    variant="danger"
                    iconOnly
                    icon={<TrashIcon size={14} />}
                    aria-label="Delete run"
                    title="Delete run"
                    onClick={() => setDeleting(true)}
                    data-write=""
                  />
                </>
              )
            ) : null}
          </>
        }
      />
      {deleted ? (
        <div className="notice">This run is deleted: it is hidden from its experiment until restored.</div>
      ) : null}
      <Tabs<Tab>
        label="Run sections"
        items={[
          { id: 'overview', label: 'Overview' },
          { id: 'charts', label: 'Charts', count: Object.keys(current.metrics).length },
          { id: 'artifacts', label: 'Artifacts' },
          { id: 'lineage', label: 'Datasets & models' },
        ]}
        value={tab}
        onChange={(next) => url.set({ tab: next === 'overview' ? undefined : next }, 'push')}
      />
      {tab === 'overview' ? (
        <RunOverview run={current} experiment={experiment.data} canWrite={canWrite} onChanged={run.reload} />
      ) : null}
      {tab === 'charts' ? (
        <RunCharts
          run={current}
          settings={settings}
          onSettings={(next) => url.set(chartSettingsParams(next))}
        />
      ) : null}
      {tab === 'artifacts' ? <RunArtifacts run={current} /> : null}
      {tab === 'lineage' ? <RunLineage run={current} /> : null}
      <RenameDialog
        key={current.name}
        run={current}
        open={renaming}
        onClose={() => setRenaming(false)}
        onSaved={() => {
          setRenaming(false);
          toast('Run renamed');
          run.reload();
        }}
      />
      <ConfirmDialog
        open={deleting}
        onClose={() => setDeleting(false)}
        onConfirm={() => setLifecycle('delete')}
        title="Delete run?"
        description={
          <>
            <strong>{current.name}</strong> is hidden from its experiment and can be restored later.
          </>
        }
        confirmLabel="Delete run"
        danger
        busy={busy}
      />
    </div>
  );
}

export default function Page() {
  return (
    <Suspense>
      <RunPage />
    </Suspense>
  );
}
