/** Error codes the events domain (audit log, webhooks) throws; their HTTP statuses live in `#http/errors.ts`. */
export type EventsErrorCode = 'webhooks.not_found' | 'webhooks.invalid_url' | 'webhooks.too_many';
