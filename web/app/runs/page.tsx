'use client';
import Link from 'next/link';
import { Suspense, useMemo } from 'react';
import { RunsView } from '@/components/runs/runs-view';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import * as api from '@/lib/api';
import { useDocumentTitle } from '@/lib/document-title';
import { formatCount } from '@/lib/format';
import { useUrlState } from '@/lib/url-state';
import { useResource } from '@/lib/use-resource';

/** Runs of several experiments in one table, e.g. to compare two sweeps. */
function RunsPage() {
  const url = useUrlState();
  const ids = useMemo(() => url.getList('experiments').slice(0, 100), [url]);
  const key = ids.join(',');
  useDocumentTitle('Runs');
  const experiments = useResource(
    (signal) => Promise.all(ids.map((id) => api.experiments.getExperiment(id, signal))),
    [key],
  );

  if (ids.length === 0) {
    return (
      <div className="page">
        <EmptyState title="No experiments chosen">
          Select experiments in the{' '}
          <Link className="link" href="/experiments/">
            experiments list
          </Link>{' '}
          to see their runs together.
        </EmptyState>
      </div>
    );
  }
  if (experiments.status === 'error' && !experiments.data) {
    return (
      <div className="page">
        <ErrorState error={experiments.error} onRetry={experiments.reload} />
      </div>
    );
  }
  if (!experiments.data) return <LoadingState />;
  const total = experiments.data.reduce((sum, experiment) => sum + experiment.runCount, 0);
  return (
    <div className="page fill">
      <PageHeader
        crumbs={[{ label: 'Experiments', href: '/experiments/' }, { label: 'Runs of several experiments' }]}
        title={`${experiments.data.length} experiments`}
        subtitle={
          <>
            {experiments.data.map((experiment) => (
              <Link key={experiment.id} className="link" href={`/experiment/?id=${experiment.id}`}>
                {experiment.name}
              </Link>
            ))}
            <span>{formatCount(total)} runs</span>
          </>
        }
      />
      <RunsView experimentIds={ids} totalHint={total} />
    </div>
  );
}

export default function Page() {
  return (
    <Suspense>
      <RunsPage />
    </Suspense>
  );
}
