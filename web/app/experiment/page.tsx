'use client';
import { useRouter } from 'next/navigation';
import { Suspense, useState } from 'react';
import { DeleteExperimentDialog, ExperimentFormDialog } from '@/components/experiments/experiment-dialogs';
import { RunsView } from '@/components/runs/runs-view';
import { useCan } from '@/components/shell/session';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { PencilIcon, TrashIcon, UndoIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { ErrorState } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import * as api from '@/lib/api';
import { useDocumentTitle } from '@/lib/document-title';
import { formatCount, formatDateTime } from '@/lib/format';
import { useUrlState } from '@/lib/url-state';
import { useResource } from '@/lib/use-resource';

function ExperimentPage() {
  const url = useUrlState();
  const router = useRouter();
  const toast = useToast();
  const canWrite = useCan('writer');
  const id = url.get('id') ?? '';
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const experiment = useResource((signal) => api.experiments.getExperiment(id, signal), [id]);
  useDocumentTitle(experiment.data?.name);

  if (experiment.status === 'error' && !experiment.data) {
    const missing =
      api.CairnError.is(experiment.error, 'experiments.not_found') ||
      api.CairnError.is(experiment.error, 'request.invalid');
    return (
      <div className="page">
        <ErrorState
          error={experiment.error}
          title={missing ? 'This experiment does not exist' : 'Could not load the experiment'}
          onRetry={missing ? undefined : experiment.reload}
        />
      </div>
    );
  }
  const current = experiment.data;
  const deleted = current?.lifecycleStage === 'deleted';

  return (
    <div className="page fill">
      {current ? (
        <PageHeader
          crumbs={[{ label: 'Experiments', href: '/experiments/' }, { label: current.name }]}
          title={
            <>
              {current.name}
              {deleted ? <Badge tone="danger">deleted</Badge> : null}
            </>
          }
          subtitle={
            <>
              <span className="mono">#{current.id}</span>
              <span>{formatCount(current.runCount)} runs</span>
              <span>created {formatDateTime(current.createdAt)}</span>
              {current.description ? <span>{current.description}</span> : null}
            </>
          }
          actions={
            canWrite ? (
              deleted ? (
                <Button
                  icon={<UndoIcon size={14} />}
                  data-write=""
                  onClick={async () => {
                    await api.experiments
                      .restoreExperiment(current.id)
                      .catch((error: Error) => toast(error.message, 'error'));
                    experiment.reload();
                  }}
                >
                  Restore
                </Button>
              ) : (
                <>
                  <Button icon={<PencilIcon size={14} />} onClick={() => setEditing(true)} data-write="">
                    Edit
                  </Button>
                  {current.id !== '0' ? (
                    <Button
                      variant="danger"
                      iconOnly
                      icon={<TrashIcon size={14} />}
                      aria-label="Delete experiment"
                      title="Delete experiment"
                      onClick={() => setDeleting(true)}
                      data-write=""
                    />
                  ) : null}
                </>
              )
            ) : null
          }
        />
      ) : (
        <PageHeader
          crumbs={[{ label: 'Experiments', href: '/experiments/' }, { label: '…' }]}
          title={<span className="skeleton" style={{ width: 240, height: 20 }} />}
          subtitle={<span className="skeleton" style={{ width: 320 }} />}
        />
      )}
      {/* The runs load alongside the experiment: its id is all they need. */}
      <RunsView experimentIds={[id]} totalHint={current?.runCount} />
      {current ? (
        <>
          <ExperimentFormDialog
            open={editing}
            experiment={current}
            onClose={() => setEditing(false)}
            onSaved={() => {
              setEditing(false);
              experiment.reload();
            }}
          />
          <DeleteExperimentDialog
            experiment={deleting ? current : undefined}
            onClose={() => setDeleting(false)}
            onDeleted={(gone) => {
              toast(`Deleted ${gone.name}`);
              router.push('/experiments/');
            }}
          />
        </>
      ) : null}
    </div>
  );
}

export default function Page() {
  return (
    <Suspense>
      <ExperimentPage />
    </Suspense>
  );
}
