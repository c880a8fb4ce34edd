'use client';
import Link from 'next/link';
import { Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Badge } from '@/components/ui/badge';
import { type Column, DataTable } from '@/components/ui/data-table';
import { ListIcon, SearchIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { EmptyState, Spinner } from '@/components/ui/states';
import * as api from '@/lib/api';
import type { AuditEvent } from '@/lib/api/types';
import { describeEvent, resourceHref } from '@/lib/audit-summary';
import { useDocumentTitle } from '@/lib/document-title';
import { formatCount, formatDateTime } from '@/lib/format';
import { useUrlState } from '@/lib/url-state';
import { useDebounced } from '@/lib/use-debounced';

const typeFilters = [
  { id: '', label: 'All events' },
  { id: 'model.*', label: 'Registry: all' },
  { id: 'model.alias.*', label: 'Registry: aliases' },
  { id: 'model.version.*', label: 'Registry: versions' },
  { id: 'key.*', label: 'API keys' },
  { id: 'run.*', label: 'Runs' },
  { id: 'experiment.*', label: 'Experiments' },
  { id: 'webhook.*', label: 'Webhooks' },
];

const columns: Column<AuditEvent>[] = [
  {
    id: 'time',
    header: 'Time',
    width: 170,
    cell: (event) => <span className="num">{formatDateTime(event.time)}</span>,
    title: (event) => event.time.toISOString(),
  },
  {
    id: 'type',
    header: 'Event',
    width: 220,
    cell: (event) => <code>{event.type}</code>,
  },
  {
    id: 'actor',
    header: 'Who',
    width: 180,
    cell: (event) => (
      <span className="cell-name" style={{ fontWeight: 400 }}>
        <span>{event.actor.name}</span>
        <Badge>{event.actor.role}</Badge>
      </span>
    ),
    title: (event) => event.actor.keyId,
  },
  {
    id: 'resource',
    header: 'Resource',
    width: 220,
    cell: (event) => {
      const href = resourceHref(event.resource);
      return href ? (
        <Link className="link mono" href={href}>
          {event.resource}
        </Link>
      ) : (
        <span className="mono">{event.resource}</span>
      );
    },
    title: (event) => event.resource,
  },
  {
    id: 'change',
    header: 'Change',
    width: 240,
    grow: true,
    cell: (event) => describeEvent(event),
  },
];

/** The tenant's audit log: who changed what in the registry, keys, runs and webhooks. */
function Audit() {
  const url = useUrlState();
  const type = url.get('type') ?? '';
  useDocumentTitle('Audit log');
  const [resourceText, setResourceText] = useState(url.get('resource') ?? '');
  const resource = useDebounced(resourceText.trim(), 400);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [pageToken, setPageToken] = useState<string>();
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading');
  const [error, setError] = useState<Error>();
  const [more, setMore] = useState(false);
  const controller = useRef<AbortController | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  const validResource = /^[a-z-]+\/\S+$/.test(resource) ? resource : undefined;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` re-runs the query on retry
  useEffect(() => {
    if ((url.get('resource') ?? '') !== resource) url.set({ resource: resource || undefined });
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    setStatus('loading');
    api.audit.queryAudit({ type: type || undefined, resource: validResource, signal: current.signal }).then(
      (page) => {
        if (current.signal.aborted) return;
        setEvents(page.items);
        setPageToken(page.nextPageToken);
        setStatus('ready');
      },
      (failure: Error) => {
        if (current.signal.aborted) return;
        setEvents([]);
        setError(failure);
        setStatus('error');
      },
    );
    return () => current.abort();
  }, [type, validResource, generation]);

  const loadMore = useCallback(() => {
    const current = controller.current;
    if (!pageToken || more || !current) return;
    setMore(true);
    api.audit
      .queryAudit({ type: type || undefined, resource: validResource, pageToken, signal: current.signal })
      .then(
        (page) => {
          if (current.signal.aborted) return;
          setEvents((previous) => [...previous, ...page.items]);
          setPageToken(page.nextPageToken);
          setMore(false);
        },
        () => setMore(false),
      );
  }, [pageToken, more, type, validResource]);

  const rows = useMemo(() => events, [events]);
  return (
    <div className="page fill">
      <PageHeader
        title="Audit log"
        subtitle="Every change to the registry, API keys, webhooks, and deleted or restored runs."
      />
      <div className="toolbar">
        <select
          className="select"
          aria-label="Event type"
          value={type}
          onChange={(event) => url.set({ type: event.target.value || undefined })}
        >
          {typeFilters.map((filter) => (
            <option key={filter.id} value={filter.id}>
              {filter.label}
            </option>
          ))}
        </select>
        <div className="filter-box" style={{ maxWidth: 340 }}>
          <SearchIcon size={14} />
          <input
            className="input"
            placeholder="models/fraud, runs/<id>, keys/<id>"
            aria-label="Resource"
            value={resourceText}
            onChange={(event) => setResourceText(event.target.value)}
          />
        </div>
      </div>
      <DataTable
        label="Audit events"
        fill
        rows={rows}
        columns={columns}
        rowKey={(event) => event.id}
        status={status}
        error={error}
        onRetry={() => setGeneration((n) => n + 1)}
        onEndReached={loadMore}
        empty={
          <EmptyState title="No events" icon={<ListIcon size={20} />}>
            {type || validResource
              ? 'Nothing matches these filters.'
              : 'Changes made in this workspace will be listed here.'}
          </EmptyState>
        }
        footer={
          <>
            <span>
              {formatCount(rows.length)} event{rows.length === 1 ? '' : 's'}
              {pageToken ? ' · scroll for more' : ''}
            </span>
            {more ? <Spinner /> : null}
          </>
        }
      />
    </div>
  );
}

export default function Page() {
  return (
    <Suspense>
      <Audit />
    </Suspense>
  );
}
