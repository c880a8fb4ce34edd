'use client';
import { Suspense, useMemo, useState } from 'react';
import { keyColumns } from '@/components/keys/columns';
import { CreateKeyDialog } from '@/components/keys/create-key-dialog';
import { useCan, useSession } from '@/components/shell/session';
import { Button } from '@/components/ui/button';
import { type Column, DataTable, sortRows } from '@/components/ui/data-table';
import { ConfirmDialog } from '@/components/ui/dialog';
import { KeyIcon, PlusIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState, LoadingState } from '@/components/ui/states';
import { Segmented } from '@/components/ui/tabs';
import { useToast } from '@/components/ui/toast';
import * as api from '@/lib/api';
import type { ApiKey } from '@/lib/api/types';
import { useDocumentTitle } from '@/lib/document-title';
import { formatSort, parseSort } from '@/lib/sort-param';
import { useUrlState } from '@/lib/url-state';
import { useResource } from '@/lib/use-resource';

function Keys() {
  const url = useUrlState();
  const toast = useToast();
  const { session } = useSession();
  const isAdmin = useCan('admin');
  useDocumentTitle('API keys');
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const show = url.get('show') === 'all' ? 'all' : 'active';
  const sort = parseSort(url.get('sort')) ?? { id: 'createdAt', desc: true };
  const keys = useResource(
    (signal) => (isAdmin ? api.keys.listKeys(signal) : Promise.resolve([])),
    [isAdmin],
  );

  const columns = useMemo(() => {
    const actions: Column<ApiKey> = {
      id: 'actions',
      header: '',
      width: 90,
      align: 'right',
      cell: (key) =>
        key.active && key.id !== session?.keyId ? (
          <Button
            size="sm"
            variant="danger"
            onClick={() => setRevoking(key)}
            aria-label={`Revoke ${key.name}`}
            data-write=""
          >
            Revoke
          </Button>
        ) : null,
    };
    return [...keyColumns(session?.keyId ?? ''), actions];
  }, [session?.keyId]);
  const rows = useMemo(
    () =>
      sortRows(
        (keys.data ?? []).filter((key) => show === 'all' || key.active),
        columns,
        sort,
      ),
    [keys.data, show, columns, sort],
  );

  if (!session) return <LoadingState />;
  if (!isAdmin) {
    return (
      <div className="page">
        <EmptyState title="Only admins manage API keys" icon={<KeyIcon size={20} />}>
          Ask an admin of this workspace for a key with the role you need.
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="page fill">
      <PageHeader
        title="API keys"
        subtitle="Keys sign in the dashboard, the SDK, the CLI and MLflow clients. Revoked keys stop working at once."
        actions={
          <Button
            variant="primary"
            icon={<PlusIcon size={14} />}
            onClick={() => setCreating(true)}
            data-write=""
          >
            New key
          </Button>
        }
      />
      <div className="toolbar">
        <Segmented
          label="Show"
          items={[
            { id: 'active', label: 'Active' },
            { id: 'all', label: 'All, with revoked' },
          ]}
          value={show}
          onChange={(next) => url.set({ show: next === 'active' ? undefined : next })}
        />
      </div>
      <DataTable
        label="API keys"
        fill
        rows={rows}
        columns={columns}
        rowKey={(key) => key.id}
        status={keys.status}
        error={keys.error}
        onRetry={keys.reload}
        sort={sort}
        onSortChange={(next) => url.set({ sort: formatSort(next) })}
        rowClassName={(key) => (key.active ? undefined : 'muted-row')}
        empty={<EmptyState title="No keys" icon={<KeyIcon size={20} />} />}
      />
      <CreateKeyDialog open={creating} onClose={() => setCreating(false)} onCreated={keys.reload} />
      <ConfirmDialog
        open={!!revoking}
        onClose={() => {
          setRevoking(undefined);
          setError(undefined);
        }}
        title="Revoke this key?"
        description={
          <>
            <strong>{revoking?.name}</strong> ({revoking?.prefix}…) stops working immediately. Scripts using
            it will fail. This cannot be undone.
          </>
        }
        confirmLabel="Revoke key"
        danger
        busy={busy}
        error={error}
        onConfirm={async () => {
          if (!revoking) return;
          setBusy(true);
          try {
            await api.keys.revokeKey(revoking.id);
            toast(`Revoked ${revoking.name}`);
            setRevoking(undefined);
            setError(undefined);
            keys.reload();
          } catch (failure) {
            setError(failure as Error);
          }
          setBusy(false);
        }}
      />
    </div>
  );
}

export default function Page() {
  return (
    <Suspense>
      <Keys />
    </Suspense>
  );
}
