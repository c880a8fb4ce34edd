'use client';
import { useRouter } from 'next/navigation';
import { Suspense, useEffect, useMemo, useState } from 'react';
import { modelColumns } from '@/components/models/columns';
import { DataTable, sortRows } from '@/components/ui/data-table';
import { BoxIcon, SearchIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState } from '@/components/ui/states';
import * as api from '@/lib/api';
import { useDocumentTitle } from '@/lib/document-title';
import { formatCount } from '@/lib/format';
import { formatSort, parseSort } from '@/lib/sort-param';
import { useUrlState } from '@/lib/url-state';
import { useDebounced } from '@/lib/use-debounced';
import { useResource } from '@/lib/use-resource';

function Models() {
  const url = useUrlState();
  const router = useRouter();
  useDocumentTitle('Models');
  const [search, setSearch] = useState(url.get('q') ?? '');
  const query = useDebounced(search.trim());
  const sort = parseSort(url.get('sort')) ?? { id: 'updatedAt', desc: true };
  const models = useResource((signal) => api.models.listModels({ search: query, signal }), [query]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: mirror the settled search into the URL only
  useEffect(() => {
    if ((url.get('q') ?? '') !== query) url.set({ q: query || undefined });
  }, [query]);
  const columns = useMemo(() => modelColumns(), []);
  const rows = useMemo(() => sortRows(models.data ?? [], columns, sort), [models.data, columns, sort]);

  return (
    <div className="page fill">
      <PageHeader
        title="Models"
        subtitle={models.data ? `${formatCount(models.data.length)} registered models` : '\u00a0'}
      />
      <div className="toolbar">
        <div className="filter-box" style={{ maxWidth: 360 }}>
          <SearchIcon size={14} />
          <input
            className="input"
            style={{ fontFamily: 'var(--font-sans)', fontSize: 13 }}
            type="search"
            placeholder="Search models by name"
            aria-label="Search models by name"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
      </div>
      <DataTable
        label="Models"
        fill
        rows={rows}
        columns={columns}
        rowKey={(model) => model.id}
        status={models.status}
        error={models.error}
        onRetry={models.reload}
        sort={sort}
        onSortChange={(next) => url.set({ sort: formatSort(next) })}
        onOpen={(model) => router.push(`/model/?name=${encodeURIComponent(model.name)}`)}
        empty={
          query ? (
            <EmptyState title="No model matches" icon={<SearchIcon size={20} />}>
              Nothing is named like “{query}”.
            </EmptyState>
          ) : (
            <EmptyState title="No registered models" icon={<BoxIcon size={20} />}>
              Register a model version from a run&apos;s artifacts (MLflow&apos;s <code>register_model</code>,
              or <code>POST /models/&#123;name&#125;/versions</code>).
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
      <Models />
    </Suspense>
  );
}
