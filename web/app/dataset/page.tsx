'use client';
import { useRouter } from 'next/navigation';
import { Suspense, useMemo } from 'react';
import { datasetVersionColumns } from '@/components/datasets/columns';
import { VersionDiffView } from '@/components/datasets/version-diff';
import { Button } from '@/components/ui/button';
import { DataTable, sortRows } from '@/components/ui/data-table';
import { CompareIcon, DatabaseIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import * as api from '@/lib/api';
import { useDocumentTitle } from '@/lib/document-title';
import { formatCount, formatDateTime } from '@/lib/format';
import { formatSort, parseSort } from '@/lib/sort-param';
import { useUrlState } from '@/lib/url-state';
import { useResource } from '@/lib/use-resource';

function DatasetPage() {
  const url = useUrlState();
  const router = useRouter();
  const name = url.get('name') ?? '';
  useDocumentTitle(name);
  const sort = parseSort(url.get('sort')) ?? { id: 'version', desc: true };
  const selected = useMemo(() => new Set(url.getList('sel')), [url]);
  const [from, to] = url
    .getList('diff')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const dataset = useResource((signal) => api.datasets.getDataset(name, signal), [name]);
  const versions = useResource((signal) => api.datasets.listVersions(name, signal), [name]);
  const columns = useMemo(() => datasetVersionColumns(), []);
  const rows = useMemo(() => sortRows(versions.data ?? [], columns, sort), [versions.data, columns, sort]);

  if (dataset.status === 'error' && !dataset.data) {
    return (
      <div className="page">
        <ErrorState error={dataset.error} title="Could not load the dataset" onRetry={dataset.reload} />
      </div>
    );
  }
  if (!dataset.data) return <LoadingState />;
  const current = dataset.data;
  const picked = [...selected].map(Number).sort((a, b) => a - b);

  return (
    <div className="page fill" style={from && to ? { overflow: 'auto' } : undefined}>
      <PageHeader
        crumbs={[{ label: 'Datasets', href: '/datasets/' }, { label: current.name }]}
        title={current.name}
        subtitle={
          <>
            <span>{formatCount(current.latestVersion)} versions</span>
            <span>
              created {formatDateTime(current.createdAt)} by {current.createdBy}
            </span>
            {current.description ? <span>{current.description}</span> : null}
          </>
        }
      />
      <div className="toolbar">
        <span className="muted">Select two versions to see what changed between them.</span>
        <span className="spacer" />
        <Button
          icon={<CompareIcon size={14} />}
          disabled={picked.length !== 2}
          onClick={() => url.set({ diff: picked.map(String) })}
        >
          Diff selected
        </Button>
      </div>
      {from && to ? (
        <>
          <VersionDiffView dataset={current.name} from={from} to={to} />
          <div>
            <Button size="sm" variant="ghost" onClick={() => url.set({ diff: undefined })}>
              Close diff
            </Button>
          </div>
        </>
      ) : null}
      <DataTable
        label="Dataset versions"
        fill={!(from && to)}
        rows={rows}
        columns={columns}
        rowKey={(version) => String(version.version)}
        status={versions.status}
        error={versions.error}
        onRetry={versions.reload}
        sort={sort}
        onSortChange={(next) => url.set({ sort: formatSort(next) })}
        selection={selected}
        onSelectionChange={(next) => url.set({ sel: [...next] })}
        onOpen={(version) =>
          router.push(`/dataset-version/?name=${encodeURIComponent(current.name)}&version=${version.version}`)
        }
        empty={<EmptyState title="No versions yet" icon={<DatabaseIcon size={20} />} />}
      />
    </div>
  );
}

export default function Page() {
  return (
    <Suspense>
      <DatasetPage />
    </Suspense>
  );
}
