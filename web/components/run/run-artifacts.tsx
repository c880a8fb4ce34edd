'use client';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { ChevronDownIcon, ChevronRightIcon, DownloadIcon, FileIcon, FolderIcon } from '@/components/ui/icons';
import { EmptyState, ErrorState, InlineError } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import * as api from '@/lib/api';
import type { ArtifactEntry, Run } from '@/lib/api/types';
import { formatBytes, formatCount } from '@/lib/format';
import { useResource } from '@/lib/use-resource';

/** Opens a short-lived storage URL: the bytes never pass through the API. */
async function download(fetchUrl: () => Promise<string>, onError: (error: Error) => void) {
  try {
    window.open(await fetchUrl(), '_blank', 'noopener');
  } catch (error) {
    onError(error as Error);
  }
}

function Folder({ runId, path, depth }: { runId: string; path: string; depth: number }) {
  const listing = useResource(
    (signal) => api.artifacts.listArtifacts(runId, path, { signal }),
    [runId, path],
  );
  if (listing.status === 'error') return <InlineError error={listing.error} />;
  if (!listing.data) {
    return (
      <div className="tree-item" style={{ paddingLeft: 8 + depth * 16 }}>
        <span className="spinner" />
      </div>
    );
  }
  return (
    <ul className="tree" style={{ paddingLeft: 0 }}>
      {listing.data.entries.map((entry) => (
        <Entry key={entry.path} runId={runId} entry={entry} depth={depth} />
      ))}
      {listing.data.nextPageToken ? (
        <li className="tree-item faint" style={{ paddingLeft: 8 + depth * 16 }}>
          Showing the first {formatCount(listing.data.entries.length)} entries.
        </li>
      ) : null}
    </ul>
  );
}

function Entry({ runId, entry, depth }: { runId: string; entry: ArtifactEntry; depth: number }) {
  const [open, setOpen] = useState(false);
  const toast = useToast();
  const indent = { paddingLeft: 8 + depth * 16 };
  if (entry.type === 'folder') {
    return (
      <li>
        <button
          type="button"
          className="tree-item"
          style={{
            ...indent,
            width: '100%',
            border: 0,
            background: 'none',
            font: 'inherit',
            color: 'inherit',
            cursor: 'pointer',
          }}
          aria-expanded={open}
          onClick={() => setOpen((value) => !value)}
        >
          {open ? <ChevronDownIcon size={13} /> : <ChevronRightIcon size={13} />}
          <FolderIcon size={14} />
          <span className="name" style={{ textAlign: 'left' }}>
            {entry.name}
          </span>
          <span className="faint num">
            {formatCount(entry.fileCount)} files · {formatBytes(entry.size)}
          </span>
        </button>
        {open ? <Folder runId={runId} path={entry.path} depth={depth + 1} /> : null}
      </li>
    );
  }
  return (
    <li className="tree-item" style={{ ...indent, paddingLeft: 8 + depth * 16 + 19 }}>
      <FileIcon size={14} />
      <span className="name mono" title={`${entry.path}\nsha256 ${entry.sha256}`}>
        {entry.name}
      </span>
      <span className="faint num">{formatBytes(entry.size)}</span>
      <Button
        size="sm"
        variant="ghost"
        iconOnly
        icon={<DownloadIcon size={13} />}
        aria-label={`Download ${entry.path}`}
        title="Download"
        onClick={() =>
          download(
            () => api.artifacts.artifactDownloadUrl(runId, entry.path),
            (error) => toast(error.message, 'error'),
          )
        }
      />
    </li>
  );
}

/** The run's artifact tree: folders open on demand, files download straight from storage. */
export function RunArtifacts({ run }: { run: Run }) {
  const root = useResource((signal) => api.artifacts.listArtifacts(run.id, '', { signal }), [run.id]);
  if (root.status === 'error' && !root.data) return <ErrorState error={root.error} onRetry={root.reload} />;
  if (!root.data) {
    return (
      <div className="card card-body">
        <span className="spinner" />
      </div>
    );
  }
  if (root.data.entries.length === 0) {
    return (
      <EmptyState title="No artifacts" icon={<FolderIcon size={20} />}>
        Files logged to this run (for instance with MLflow&apos;s <code>log_artifact</code>) appear here.
      </EmptyState>
    );
  }
  return (
    <section className="card" data-testid="artifacts">
      <div className="card-header">
        <h2>Artifacts</h2>
        <span className="faint num">
          {formatCount(root.data.fileCount)} files · {formatBytes(root.data.totalSize)}
        </span>
      </div>
      <div style={{ padding: 6 }}>
        <Folder runId={run.id} path="" depth={0} />
      </div>
    </section>
  );
}
