import { request } from './transport';
import type { AuditEvent, Page } from './types';
import type { WireAuditEvent } from './wire';

export interface AuditQuery {
  /** `models/fraud`, `runs/<id>`, `keys/<id>`. */
  resource?: string;
  /** An API key id. */
  actor?: string;
  /** An event type or a prefix such as `model.alias.*`. */
  type?: string;
  since?: string;
  until?: string;
  pageToken?: string;
  maxResults?: number;
  signal?: AbortSignal;
}

/** The tenant's audit log, newest first, a page at a time. */
export async function queryAudit(query: AuditQuery = {}): Promise<Page<AuditEvent>> {
  const { signal, ...rest } = query;
  const answer = await request<{ events: WireAuditEvent[]; nextPageToken?: string }>('GET', '/audit', {
    query: { maxResults: 100, ...rest },
    signal,
  });
  return {
    items: answer.events.map((event) => ({
      id: event.id,
      type: event.type,
      actor: event.actor,
      time: new Date(event.time),
      resource: event.resource,
      before: event.before,
      after: event.after,
    })),
    nextPageToken: answer.nextPageToken,
  };
}
