import { randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { CairnError } from '#http/errors.ts';
import { isConditionFailure, table } from '#table/client.ts';
import { keys, webhookSortPrefix } from '#table/keys.ts';
import type { Actor, CreatedWebhook, Webhook } from './schema.ts';
import { eventSettings } from './settings.ts';
import { newWebhookSecret } from './signature.ts';
import { checkWebhookUrl } from './url-policy.ts';

/** Each registry change reads every webhook of the tenant, so a tenant has a handful, not hundreds. */
export const maxWebhooksPerTenant = 20;

/** The stored webhook: its secret is kept, because signing needs it, but never answered again. */
export interface WebhookItem extends Webhook {
  secret: string;
}

const notFound = (webhookId: string) =>
  new CairnError('webhooks.not_found', `Webhook ${webhookId} does not exist`, { webhookId });

const asWebhook = ({ id, url, events, description, createdAt, createdBy }: WebhookItem): Webhook => ({
  id,
  url,
  events,
  description,
  createdAt,
  createdBy,
});

/** Every webhook of the tenant, with secrets (partition `webhooksOf`), oldest first. */
export async function webhookItems(tenantId: string): Promise<WebhookItem[]> {
  const { name, doc } = table();
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: name,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.webhooksOf(tenantId), ':prefix': webhookSortPrefix },
    }),
  );
  return ((Items ?? []) as WebhookItem[]).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export async function listWebhooks(tenantId: string): Promise<Webhook[]> {
  return (await webhookItems(tenantId)).map(asWebhook);
}

/** One webhook with its secret (key `webhook`), for delivery; undefined once deleted. */
export async function webhookItem(tenantId: string, webhookId: string): Promise<WebhookItem | undefined> {
  const { name, doc } = table();
  const { Item } = await doc.send(
    new GetCommand({ TableName: name, Key: keys.webhook(tenantId, webhookId) }),
  );
  return Item as WebhookItem | undefined;
}

export async function getWebhook(tenantId: string, webhookId: string): Promise<Webhook> {
  const item = await webhookItem(tenantId, webhookId);
  if (!item) throw notFound(webhookId);
  return asWebhook(item);
}

/** Registers a webhook after checking where it points; the answer carries the secret, once. */
export async function createWebhook(
  tenantId: string,
  input: { url: string; events: string[]; description: string },
  actor: Actor,
): Promise<CreatedWebhook> {
  const url = await checkWebhookUrl(input.url, { allowLocal: eventSettings().allowLocalWebhooks });
  const existing = await webhookItems(tenantId);
  if (existing.length >= maxWebhooksPerTenant) {
    throw new CairnError(
      'webhooks.too_many',
      `A tenant has at most ${maxWebhooksPerTenant} webhooks; remove one first`,
      { limit: maxWebhooksPerTenant },
    );
  }
  const item: WebhookItem = {
    id: `wh_${randomBytes(8).toString('hex')}`,
    url: url.href,
    events: [...new Set(input.events)],
    description: input.description,
    createdAt: new Date().toISOString(),
    createdBy: actor,
    secret: newWebhookSecret(),
  };
  const { name, doc } = table();
  await doc.send(
    new PutCommand({
      TableName: name,
      Item: { ...keys.webhook(tenantId, item.id), ...item },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return { ...asWebhook(item), secret: item.secret };
}

/** Removes a webhook at once: queued deliveries to it are cancelled when they come up. */
export async function deleteWebhook(tenantId: string, webhookId: string): Promise<Webhook> {
  const { name, doc } = table();
  try {
    const { Attributes } = await doc.send(
      new DeleteCommand({
        TableName: name,
        Key: keys.webhook(tenantId, webhookId),
        ConditionExpression: 'attribute_exists(pk)',
        ReturnValues: 'ALL_OLD',
      }),
    );
    return asWebhook(Attributes as WebhookItem);
  } catch (error) {
    if (isConditionFailure(error)) throw notFound(webhookId);
    throw error;
  }
}
