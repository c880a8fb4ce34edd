'use client';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { Button } from '@/components/ui/button';
import { PencilIcon } from '@/components/ui/icons';
import { InlineError } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import * as api from '@/lib/api';
import type { Experiment, Run } from '@/lib/api/types';
import { formatDateTime, formatDuration, formatMetric, shortId } from '@/lib/format';
import { useResource } from '@/lib/use-resource';
import { StatusLabel } from '../runs/status';

function KeyValues({
  entries,
  empty,
  mono = true,
  numeric = false,
}: {
  entries: [string, string][];
  empty: string;
  mono?: boolean;
  numeric?: boolean;
}) {
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const shown = needle ? entries.filter(([key]) => key.toLowerCase().includes(needle)) : entries;
  if (entries.length === 0) return <div className="card-body muted">{empty}</div>;
  return (
    <>
      {entries.length > 12 ? (
        <div style={{ padding: '8px 12px', borderBottom: '1px solid var(--border)' }}>
          <input
            className="input"
            style={{ width: '100%' }}
            placeholder="Find a key"
            aria-label="Find a key"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
      ) : null}
      <div className="kv-scroll">
        <table className="kv">
          <tbody>
            {shown.map(([key, value]) => (
              <tr key={key}>
                <th scope="row" className={mono ? 'mono' : undefined}>
                  {key}
                </th>
                <td className={[mono ? 'mono' : '', numeric ? 'num' : ''].join(' ')}>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Notes({ run, canWrite, onSaved }: { run: Run; canWrite: boolean; onSaved: () => void }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(run.notes);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const toast = useToast();
  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.runs.setRunNotes(run.id, text);
      toast('Notes saved');
      setEditing(false);
      onSaved();
    } catch (failure) {
      setError(failure as Error);
    }
    setBusy(false);
  };
  return (
    <section className="card">
      <div className="card-header">
        <h2>Notes</h2>
        {canWrite && !editing ? (
          <Button
            size="sm"
            variant="ghost"
            icon={<PencilIcon size={13} />}
            onClick={() => {
              setText(run.notes);
              setEditing(true);
            }}
            data-write=""
          >
            Edit
          </Button>
        ) : null}
      </div>
      <div className="card-body">
        {editing ? (
          <div className="section">
            <textarea
              className="textarea"
              rows={5}
              value={text}
              aria-label="Notes"
              onChange={(event) => setText(event.target.value)}
              // biome-ignore lint/a11y/noAutofocus: the view exists to type here
              autoFocus
            />
            {error ? <InlineError error={error} /> : null}
            <div className="toolbar" style={{ justifyContent: 'flex-end' }}>
              <Button size="sm" onClick={() => setEditing(false)}>
                Cancel
              </Button>
              <Button size="sm" variant="primary" busy={busy} onClick={save}>
                Save notes
              </Button>
            </div>
          </div>
        ) : run.notes ? (
          <p className="notes-text">{run.notes}</p>
        ) : (
          <span className="faint">
            No notes. {canWrite ? 'Write what this run tried and what it showed.' : ''}
          </span>
        )}
      </div>
    </section>
  );
}

export function RunOverview({
  run,
  experiment,
  canWrite,
  onChanged,
}: {
  run: Run;
  experiment: Experiment | undefined;
  canWrite: boolean;
  onChanged: () => void;
}) {
  const children = useResource((signal) => api.runs.childRuns(run, signal), [run.id]);
  const params = useMemo(
    () => Object.entries(run.params).sort(([a], [b]) => a.localeCompare(b)),
    [run.params],
  );
  const metrics = useMemo(
    () =>
      Object.entries(run.metrics)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, latest]) => [key, formatMetric(latest.value)] as [string, string]),
    [run.metrics],
  );
  const tags = Object.entries(run.tags).sort(([a], [b]) => a.localeCompare(b));
  const systemTags = Object.entries(run.systemTags).filter(([key]) => key !== 'mlflow.note.content');

  return (
    <div className="section" style={{ gap: 16 }}>
      <section className="card">
        <div className="card-body">
          <dl className="facts">
            <div className="fact">
              <dt>Status</dt>
              <dd>
                <StatusLabel status={run.status} />
              </dd>
            </div>
            <div className="fact">
              <dt>Started</dt>
              <dd className="num">{formatDateTime(run.startTime)}</dd>
            </div>
            <div className="fact">
              <dt>Ended</dt>
              <dd className="num">{run.endTime ? formatDateTime(run.endTime) : '—'}</dd>
            </div>
            <div className="fact">
              <dt>Duration</dt>
              <dd className="num">{formatDuration(run.durationMs) || '—'}</dd>
            </div>
            <div className="fact">
              <dt>User</dt>
              <dd>{run.user}</dd>
            </div>
            <div className="fact">
              <dt>Experiment</dt>
              <dd>
                <Link className="link" href={`/experiment/?id=${run.experimentId}`}>
                  {experiment?.name ?? `#${run.experimentId}`}
                </Link>
              </dd>
            </div>
            <div className="fact">
              <dt>Parent run</dt>
              <dd>
                {run.parentRunId ? (
                  <Link className="link mono" href={`/run/?id=${run.parentRunId}`}>
                    {shortId(run.parentRunId)}
                  </Link>
                ) : (
                  '—'
                )}
              </dd>
            </div>
            <div className="fact">
              <dt>Run ID</dt>
              <dd className="mono" title={run.id}>
                {run.id}
              </dd>
            </div>
          </dl>
        </div>
      </section>
      <Notes key={run.notes} run={run} canWrite={canWrite} onSaved={onChanged} />
      <div className="grid-2">
        <section className="card">
          <div className="card-header">
            <h2>Params</h2>
            <span className="faint">{params.length}</span>
          </div>
          <KeyValues entries={params} empty="No params logged." />
        </section>
        <section className="card">
          <div className="card-header">
            <h2>Metrics</h2>
            <span className="faint">latest value · {metrics.length}</span>
          </div>
          <KeyValues entries={metrics} empty="No metrics logged." numeric />
        </section>
      </div>
      <div className="grid-2">
        <section className="card">
          <div className="card-header">
            <h2>Tags</h2>
            <span className="faint">{tags.length}</span>
          </div>
          {tags.length ? (
            <div className="card-body tag-list">
              {tags.map(([key, value]) => (
                <span className="tag-chip" key={key} title={`${key}: ${value}`}>
                  <span className="chip-part chip-key">{key}</span>
                  <span className="chip-part">{value}</span>
                </span>
              ))}
            </div>
          ) : (
            <div className="card-body muted">No tags.</div>
          )}
          {systemTags.length ? (
            <details style={{ borderTop: '1px solid var(--border)' }}>
              <summary className="card-body muted" style={{ cursor: 'pointer' }}>
                {systemTags.length} system tags
              </summary>
              <KeyValues entries={systemTags} empty="" />
            </details>
          ) : null}
        </section>
        <section className="card">
          <div className="card-header">
            <h2>Child runs</h2>
            <span className="faint">{children.data?.length ?? ''}</span>
          </div>
          {children.status === 'error' ? (
            <div className="card-body">
              <InlineError error={children.error} />
            </div>
          ) : !children.data ? (
            <div className="card-body">
              <span className="spinner" />
            </div>
          ) : children.data.length === 0 ? (
            <div className="card-body muted">No nested runs.</div>
          ) : (
            <table className="kv">
              <tbody>
                {children.data.map((child) => (
                  <tr key={child.id}>
                    <th scope="row" style={{ width: 'auto' }}>
                      <Link className="link" href={`/run/?id=${child.id}`}>
                        {child.name}
                      </Link>
                    </th>
                    <td>
                      <StatusLabel status={child.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}
