'use client';
import { useRouter } from 'next/navigation';
import { Suspense, useMemo, useState } from 'react';
import { datasetColumns } from '@/components/datasets/columns';
import { DataTable, sortRows } from '@/components/ui/data-table';
import { DatabaseIcon, SearchIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState } from '@/components/ui/states';
import * as api from '@/lib/api';
import { useDocumentTitle } from '@/lib/document-title';
import { formatCount } from '@/lib/format';
import { formatSort, parseSort } from '@/lib/sort-param';
import { useUrlState } from '@/lib/url-state';
import { useResource } from '@/lib/use-resource';

function Datasets() {
  const url = useUrlState();
  const router = useRouter();
  useDocumentTitle('Datasets');
  const [search, setSearch] = useState(url.get('q') ?? '');
  const sort = parseSort(url.get('sort')) ?? { id: 'updatedAt', desc: true };
  const datasets = useResource((signal) => api.datasets.listDatasets(signal), []);
  const columns = useMemo(() => datasetColumns(), []);
  const needle = search.trim().toLowerCase();
  const rows = useMemo(
    () =>
      sortRows(
        (datasets.data ?? []).filter((dataset) => !needle || dataset.name.toLowerCase().includes(needle)),
        columns,
        sort,
      ),
    [datasets.data, columns, sort, needle],
  );

  return (
    <div className="page fill">
      <PageHeader
        title="Datasets"
        subtitle={datasets.data ? `${formatCount(datasets.data.length)} versioned datasets` : '\u00a0'}
      />
      <div className="toolbar">
        <div className="filter-box" style={{ maxWidth: 360 }}>
          <SearchIcon size={14} />
          <input
            className="input"
            style={{ fontFamily: 'var(--font-sans)', fontSize: 13 }}
            type="search"
            placeholder="Search datasets by name"
            aria-label="Search datasets by name"
            value={search}
            onChange={(event) => {
              setSearch(event.target.value);
              url.set({ q: event.target.value.trim() || undefined });
            }}
          />
        </div>
      </div>
      <DataTable
        label="Datasets"
        fill
        rows={rows}
        columns={columns}
        rowKey={(dataset) => dataset.name}
        status={datasets.status}
        error={datasets.error}
        onRetry={datasets.reload}
        sort={sort}
        onSortChange={(next) => url.set({ sort: formatSort(next) })}
        onOpen={(dataset) => router.push(`/dataset/?name=${encodeURIComponent(dataset.name)}`)}
        empty={
          needle ? (
            <EmptyState title="No dataset matches" icon={<SearchIcon size={20} />} />
          ) : (
            <EmptyState title="No datasets yet" icon={<DatabaseIcon size={20} />}>
              Push a folder as a dataset version with the CLI; only files the workspace lacks are uploaded.
            </EmptyState>
          )
        }
      />
    </div>
  );
}

export default function Page() {
  return (
    <Suspense>
      <Datasets />
    </Suspense>
  );
}
