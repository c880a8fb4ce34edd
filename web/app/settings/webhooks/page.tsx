'use client';
import { Suspense, useMemo, useState } from 'react';
import { useCan, useSession } from '@/components/shell/session';
import { Button } from '@/components/ui/button';
import { type Column, DataTable } from '@/components/ui/data-table';
import { ConfirmDialog } from '@/components/ui/dialog';
import { PlusIcon, WebhookIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState, LoadingState } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { CreateWebhookDialog } from '@/components/webhooks/create-webhook-dialog';
import { DeliveriesDialog } from '@/components/webhooks/deliveries-dialog';
import * as api from '@/lib/api';
import type { Webhook } from '@/lib/api/types';
import { useDocumentTitle } from '@/lib/document-title';
import { formatDateTime, formatRelative } from '@/lib/format';
import { useResource } from '@/lib/use-resource';

function Webhooks() {
  const toast = useToast();
  const isAdmin = useCan('admin');
  const { session } = useSession();
  useDocumentTitle('Webhooks');
  const [creating, setCreating] = useState(false);
  const [removing, setRemoving] = useState<Webhook>();
  const [viewing, setViewing] = useState<Webhook>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const webhooks = useResource(
    (signal) => (isAdmin ? api.webhooks.listWebhooks(signal) : Promise.resolve([])),
    [isAdmin],
  );

  const columns = useMemo<Column<Webhook>[]>(
    () => [
      {
        id: 'url',
        header: 'URL',
        width: 280,
        grow: true,
        cell: (webhook) => (
          <span className="cell-name">
            <span className="mono">{webhook.url}</span>
          </span>
        ),
        title: (webhook) => webhook.description || webhook.url,
      },
      {
        id: 'events',
        header: 'Events',
        width: 200,
        cell: (webhook) => <code>{webhook.events.join(', ')}</code>,
      },
      {
        id: 'createdAt',
        header: 'Added',
        width: 120,
        cell: (webhook) => <span className="muted">{formatRelative(webhook.createdAt)}</span>,
        title: (webhook) => formatDateTime(webhook.createdAt),
      },
      {
        id: 'createdBy',
        header: 'By',
        width: 120,
        cell: (webhook) => <span className="muted">{webhook.createdBy.name}</span>,
      },
      {
        id: 'actions',
        header: '',
        width: 180,
        align: 'right',
        cell: (webhook) => (
          <span className="toolbar" style={{ gap: 4, justifyContent: 'flex-end', flexWrap: 'nowrap' }}>
            <Button size="sm" onClick={() => setViewing(webhook)}>
              Deliveries
            </Button>
            <Button size="sm" variant="danger" onClick={() => setRemoving(webhook)} data-write="">
              Remove
            </Button>
          </span>
        ),
      },
    ],
    [],
  );

  if (!session) return <LoadingState />;
  if (!isAdmin) {
    return (
      <div className="page">
        <EmptyState title="Only admins manage webhooks" icon={<WebhookIcon size={20} />} />
      </div>
    );
  }
  return (
    <div className="page fill">
      <PageHeader
        title="Webhooks"
        subtitle="Tell your deploy pipeline when a model is promoted: every selected event is POSTed, signed, with retries."
        actions={
          <Button
            variant="primary"
            icon={<PlusIcon size={14} />}
            onClick={() => setCreating(true)}
            data-write=""
          >
            Add webhook
          </Button>
        }
      />
      <DataTable
        label="Webhooks"
        fill
        rows={webhooks.data ?? []}
        columns={columns}
        rowKey={(webhook) => webhook.id}
        status={webhooks.status}
        error={webhooks.error}
        onRetry={webhooks.reload}
        empty={
          <EmptyState title="No webhooks" icon={<WebhookIcon size={20} />}>
            Add one to hear about promotions (<code>model.alias.*</code>) as they happen.
          </EmptyState>
        }
      />
      <CreateWebhookDialog open={creating} onClose={() => setCreating(false)} onCreated={webhooks.reload} />
      <DeliveriesDialog webhook={viewing} onClose={() => setViewing(undefined)} />
      <ConfirmDialog
        open={!!removing}
        onClose={() => {
          setRemoving(undefined);
          setError(undefined);
        }}
        title="Remove this webhook?"
        description={
          <>
            Deliveries to <code>{removing?.url}</code> stop, and queued ones are cancelled.
          </>
        }
        confirmLabel="Remove webhook"
        danger
        busy={busy}
        error={error}
        onConfirm={async () => {
          if (!removing) return;
          setBusy(true);
          try {
            await api.webhooks.deleteWebhook(removing.id);
            toast('Webhook removed');
            setRemoving(undefined);
            webhooks.reload();
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
      <Webhooks />
    </Suspense>
  );
}
