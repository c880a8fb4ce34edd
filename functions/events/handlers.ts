import { z } from 'zod';
import { operation } from '#http/operation.ts';
import { listDeliveries } from './delivery.ts';
import {
  AuditEvent,
  AuditQuery,
  actorOf,
  CreatedWebhook,
  CreateWebhookBody,
  DeliveriesQuery,
  Delivery,
  Webhook,
  WebhookPath,
} from './schema.ts';
import * as Events from './store.ts';
import * as Webhooks from './webhooks.ts';

const One = z.object({ webhook: Webhook });

export const operations = {
  queryAudit: operation({
    summary:
      "The tenant's audit log, newest first: registry changes, key creation and revocation, deletions and restores. Filter by time range, resource (models/<name>), actor (key id) and event type",
    query: AuditQuery,
    response: z.object({ events: z.array(AuditEvent), nextPageToken: z.string().optional() }),
    handle: ({ caller, query }) => Events.queryAudit(caller.tenantId, query),
  }),

  createWebhook: operation({
    summary:
      'Register a webhook: an https URL and an event filter. The signing secret is in this response only',
    body: CreateWebhookBody,
    status: 201,
    response: z.object({ webhook: CreatedWebhook }),
    handle: async ({ caller, body }) => {
      const actor = actorOf(caller);
      const webhook = await Webhooks.createWebhook(caller.tenantId, body, actor);
      const { secret: _secret, ...shown } = webhook;
      await Events.record(caller.tenantId, {
        type: 'webhook.created',
        actor,
        resource: `webhooks/${webhook.id}`,
        after: shown,
      });
      return { webhook };
    },
  }),

  listWebhooks: operation({
    summary: "The tenant's webhooks (never their secrets)",
    response: z.object({ webhooks: z.array(Webhook) }),
    handle: async ({ caller }) => ({ webhooks: await Webhooks.listWebhooks(caller.tenantId) }),
  }),

  getWebhook: operation({
    summary: 'One webhook',
    path: WebhookPath,
    response: One,
    handle: async ({ caller, path }) => ({
      webhook: await Webhooks.getWebhook(caller.tenantId, path.webhookId),
    }),
  }),

  deleteWebhook: operation({
    summary: 'Remove a webhook; queued deliveries to it are cancelled',
    path: WebhookPath,
    response: One,
    handle: async ({ caller, path }) => {
      const webhook = await Webhooks.deleteWebhook(caller.tenantId, path.webhookId);
      await Events.record(caller.tenantId, {
        type: 'webhook.deleted',
        actor: actorOf(caller),
        resource: `webhooks/${webhook.id}`,
        before: webhook,
      });
      return { webhook };
    },
  }),

  listWebhookDeliveries: operation({
    summary: "A webhook's delivery log, newest event first: status and every attempt with its outcome",
    path: WebhookPath,
    query: DeliveriesQuery,
    response: z.object({ deliveries: z.array(Delivery), nextPageToken: z.string().optional() }),
    handle: async ({ caller, path, query }) => {
      await Webhooks.getWebhook(caller.tenantId, path.webhookId);
      return listDeliveries(caller.tenantId, path.webhookId, query);
    },
  }),
};
