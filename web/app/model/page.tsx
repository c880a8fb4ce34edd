'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Suspense, useMemo, useState } from 'react';
import { versionColumns } from '@/components/models/columns';
import { PromoteDialog } from '@/components/models/promote-dialog';
import { useCan, useSession } from '@/components/shell/session';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { type Column, DataTable, sortRows } from '@/components/ui/data-table';
import { BoxIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import * as api from '@/lib/api';
import type { ModelVersion } from '@/lib/api/types';
import { useDocumentTitle } from '@/lib/document-title';
import { formatCount, formatDateTime } from '@/lib/format';
import { formatSort, parseSort } from '@/lib/sort-param';
import { useUrlState } from '@/lib/url-state';
import { useResource } from '@/lib/use-resource';

function ModelPage() {
  const url = useUrlState();
  const router = useRouter();
  const toast = useToast();
  const { session } = useSession();
  const canWrite = useCan('writer');
  const name = url.get('name') ?? '';
  useDocumentTitle(name);
  const sort = parseSort(url.get('sort')) ?? { id: 'version', desc: true };
  const [promoting, setPromoting] = useState<ModelVersion>();
  const model = useResource((signal) => api.models.getModel(name, signal), [name]);
  const versions = useResource((signal) => api.models.listVersions(name, signal), [name]);

  const columns = useMemo(() => {
    const base = versionColumns();
    if (!canWrite) return base;
    const actions: Column<ModelVersion> = {
      id: 'actions',
      header: '',
      width: 96,
      align: 'right',
      cell: (version) => (
        <Button
          size="sm"
          onClick={() => setPromoting(version)}
          data-write=""
          aria-label={`Promote v${version.version}`}
        >
          Promote
        </Button>
      ),
    };
    return [...base, actions];
  }, [canWrite]);
  const rows = useMemo(() => sortRows(versions.data ?? [], columns, sort), [versions.data, columns, sort]);

  if (model.status === 'error' && !model.data) {
    const missing = api.CairnError.is(model.error, 'models.not_found');
    return (
      <div className="page">
        <ErrorState
          error={model.error}
          title={missing ? 'This model does not exist' : 'Could not load the model'}
          onRetry={missing ? undefined : model.reload}
        />
      </div>
    );
  }
  if (!model.data) return <LoadingState />;
  const current = model.data;
  const aliases = Object.entries(current.aliases).sort(([a], [b]) => a.localeCompare(b));

  return (
    <div className="page fill">
      <PageHeader
        crumbs={[{ label: 'Models', href: '/models/' }, { label: current.name }]}
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
      <section className="card">
        <div className="card-body toolbar" style={{ gap: 10 }} data-testid="model-aliases">
          <span className="muted">Aliases</span>
          {aliases.length === 0 ? (
            <span className="faint">none yet — promote a version to set one</span>
          ) : null}
          {aliases.map(([alias, version]) => (
            <Link
              key={alias}
              href={`/model-version/?name=${encodeURIComponent(current.name)}&version=${version}`}
            >
              <Badge
                tone="accent"
                title={
                  current.protectedAliases.includes(alias) ? 'Protected: only admins move it' : undefined
                }
              >
                @{alias} → v{version}
                {current.protectedAliases.includes(alias) ? ' 🔒' : ''}
              </Badge>
            </Link>
          ))}
          <span className="spacer" style={{ flex: 1 }} />
          <code className="faint">models/{current.name}@&lt;alias&gt;</code>
        </div>
      </section>
      <DataTable
        label="Model versions"
        fill
        rows={rows}
        columns={columns}
        rowKey={(version) => String(version.version)}
        status={versions.status}
        error={versions.error}
        onRetry={versions.reload}
        sort={sort}
        onSortChange={(next) => url.set({ sort: formatSort(next) })}
        onOpen={(version) =>
          router.push(`/model-version/?name=${encodeURIComponent(current.name)}&version=${version.version}`)
        }
        rowClassName={(version) => (version.stage === 'Archived' ? 'muted-row' : undefined)}
        empty={
          <EmptyState title="No versions yet" icon={<BoxIcon size={20} />}>
            Register a version from a run&apos;s artifacts.
          </EmptyState>
        }
      />
      <PromoteDialog
        model={current}
        version={promoting}
        role={session?.role ?? 'reader'}
        onClose={() => setPromoting(undefined)}
        onPromoted={(alias) => {
          toast(`@${alias} now points at v${promoting?.version}`);
          setPromoting(undefined);
          model.reload();
          versions.reload();
        }}
      />
    </div>
  );
}

export default function Page() {
  return (
    <Suspense>
      <ModelPage />
    </Suspense>
  );
}
