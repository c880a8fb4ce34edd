import { request } from './transport';
import type { CreatedWebhook, Delivery, DeliveryStatus, Page, Webhook } from './types';
import type { WireDelivery, WireWebhook } from './wire';

function webhookFromWire(wire: WireWebhook): Webhook {
  return { ...wire, createdAt: new Date(wire.createdAt) };
}

export async function listWebhooks(signal?: AbortSignal): Promise<Webhook[]> {
  const answer = await request<{ webhooks: WireWebhook[] }>('GET', '/webhooks', { signal });
  return answer.webhooks.map(webhookFromWire);
}

export async function createWebhook(input: {
  url: string;
  events: string[];
  description: string;
}): Promise<CreatedWebhook> {
  const answer = await request<{ webhook: WireWebhook & { secret: string } }>('POST', '/webhooks', {
    body: input,
  });
  return { ...webhookFromWire(answer.webhook), secret: answer.webhook.secret };
}

export async function deleteWebhook(id: string): Promise<void> {
  await request('DELETE', `/webhooks/${encodeURIComponent(id)}`);
}

export async function listDeliveries(
  id: string,
  options: { pageToken?: string; signal?: AbortSignal } = {},
): Promise<Page<Delivery>> {
  const answer = await request<{ deliveries: WireDelivery[]; nextPageToken?: string }>(
    'GET',
    `/webhooks/${encodeURIComponent(id)}/deliveries`,
    { query: { maxResults: 100, pageToken: options.pageToken }, signal: options.signal },
  );
  return {
    items: answer.deliveries.map((delivery) => ({
      webhookId: delivery.webhookId,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      eventTime: new Date(delivery.eventTime),
      status: delivery.status as DeliveryStatus,
      attempts: delivery.attempts.map((attempt) => ({ ...attempt, at: new Date(attempt.at) })),
      nextAttemptAt: delivery.nextAttemptAt ? new Date(delivery.nextAttemptAt) : null,
    })),
    nextPageToken: answer.nextPageToken,
  };
}
