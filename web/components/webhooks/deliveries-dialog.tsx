'use client';
import { Badge, type Tone } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import * as api from '@/lib/api';
import type { DeliveryStatus, Webhook } from '@/lib/api/types';
import { formatDateTime, formatDuration } from '@/lib/format';
import { useResource } from '@/lib/use-resource';

const tones: Record<DeliveryStatus, Tone> = {
  pending: 'info',
  retrying: 'warning',
  succeeded: 'success',
  failed: 'danger',
  cancelled: 'neutral',
};

/** A webhook's delivery log: each event, its outcome, and every attempt. */
export function DeliveriesDialog({
  webhook,
  onClose,
}: {
  webhook: Webhook | undefined;
  onClose: () => void;
}) {
  const id = webhook?.id;
  const deliveries = useResource(
    (signal) => (id ? api.webhooks.listDeliveries(id, { signal }) : new Promise<never>(() => {})),
    [id],
  );
  return (
    <Dialog
      open={!!webhook}
      onClose={onClose}
      width={820}
      title="Deliveries"
      description={webhook?.url}
      footer={
        <>
          <Button onClick={deliveries.reload}>Refresh</Button>
          <Button variant="primary" onClick={onClose}>
            Close
          </Button>
        </>
      }
    >
      {deliveries.status === 'error' && !deliveries.data ? (
        <ErrorState error={deliveries.error} onRetry={deliveries.reload} />
      ) : !deliveries.data ? (
        <LoadingState />
      ) : deliveries.data.items.length === 0 ? (
        <EmptyState title="No deliveries yet">Events this webhook selects will be delivered here.</EmptyState>
      ) : (
        <div className="kv-scroll" style={{ maxHeight: 460 }}>
          <table className="kv">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.items.map((delivery) => {
                const last = delivery.attempts.at(-1);
                return (
                  <tr key={delivery.eventId}>
                    <td>
                      <code>{delivery.eventType}</code>
                      <div className="faint num">{formatDateTime(delivery.eventTime)}</div>
                    </td>
                    <td>
                      <Badge tone={tones[delivery.status]}>{delivery.status}</Badge>
                      {delivery.nextAttemptAt ? (
                        <div className="faint">next {formatDateTime(delivery.nextAttemptAt)}</div>
                      ) : null}
                    </td>
                    <td className="num">{delivery.attempts.length}</td>
                    <td>
                      {last ? (
                        <>
                          <span
                            className={last.status && last.status < 300 ? undefined : 'link'}
                            style={{
                              color: last.status && last.status < 300 ? 'var(--success)' : 'var(--danger)',
                            }}
                          >
                            {last.status ? `HTTP ${last.status}` : (last.error ?? 'no answer')}
                          </span>
                          <span className="faint"> · {formatDuration(last.durationMs)}</span>
                        </>
                      ) : (
                        <span className="faint">not tried yet</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Dialog>
  );
}
