'use client';
import Link from 'next/link';
import { Suspense, useMemo, useState } from 'react';
import { StageBadge } from '@/components/models/stage-badge';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { type Column, DataTable } from '@/components/ui/data-table';
import { DownloadIcon, SearchIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { ErrorState, InlineError, LoadingState } from '@/components/ui/states';
import { Tabs } from '@/components/ui/tabs';
import { useToast } from '@/components/ui/toast';
import * as api from '@/lib/api';
import type { ManifestFile } from '@/lib/api/types';
import { useDocumentTitle } from '@/lib/document-title';
import { formatBytes, formatCount, formatDateTime, formatRelative, shortId } from '@/lib/format';
import { useUrlState } from '@/lib/url-state';
import { useResource } from '@/lib/use-resource';

const tabs = ['files', 'usage'] as const;
type Tab = (typeof tabs)[number];

function VersionPage() {
  const url = useUrlState();
  const toast = useToast();
  const name = url.get('name') ?? '';
  const ref = url.get('version') ?? 'latest';
  useDocumentTitle(`${name} v${ref}`);
  const tab: Tab = url.get('tab') === 'usage' ? 'usage' : 'files';
  const [search, setSearch] = useState('');
  const version = useResource((signal) => api.datasets.getVersion(name, ref, { signal }), [name, ref]);
  const number = version.data?.version.version;
  const runs = useResource(
    (signal) => (number ? api.datasets.versionRuns(name, number, signal) : new Promise<never>(() => {})),
    [name, number],
  );
  const models = useResource(
    (signal) => (number ? api.models.versionsOfDataset(name, number, signal) : new Promise<never>(() => {})),
    [name, number],
  );

  const columns = useMemo<Column<ManifestFile>[]>(
    () => [
      {
        id: 'path',
        header: 'Path',
        width: 360,
        grow: true,
        cell: (file) => <span className="mono">{file.path}</span>,
        title: (file) => file.path,
      },
      {
        id: 'size',
        header: 'Size',
        width: 100,
        align: 'right',
        cell: (file) => formatBytes(file.size),
      },
      {
        id: 'sha256',
        header: 'SHA-256',
        width: 150,
        cell: (file) => <span className="mono faint">{file.sha256.slice(0, 16)}</span>,
        title: (file) => file.sha256,
      },
      {
        id: 'download',
        header: '',
        width: 48,
        cell: (file) => (
          <Button
            size="sm"
            variant="ghost"
            iconOnly
            icon={<DownloadIcon size={13} />}
            aria-label={`Download ${file.path}`}
            onClick={async () => {
              try {
                window.open(await api.datasets.fileDownloadUrl(name, ref, file.path), '_blank', 'noopener');
              } catch (error) {
                toast((error as Error).message, 'error');
              }
            }}
          />
        ),
      },
    ],
    [name, ref, toast],
  );
  const needle = search.trim().toLowerCase();
  const files = useMemo(
    () =>
      (version.data?.files.items ?? []).filter((file) => !needle || file.path.toLowerCase().includes(needle)),
    [version.data, needle],
  );

  if (version.status === 'error' && !version.data) {
    return (
      <div className="page">
        <ErrorState
          error={version.error}
          title="Could not load this dataset version"
          onRetry={version.reload}
        />
      </div>
    );
  }
  if (!version.data) return <LoadingState />;
  const current = version.data.version;

  return (
    <div className="page fill">
      <PageHeader
        crumbs={[
          { label: 'Datasets', href: '/datasets/' },
          { label: current.dataset, href: `/dataset/?name=${encodeURIComponent(current.dataset)}` },
          { label: `v${current.version}` },
        ]}
        title={
          <>
            {current.dataset} <span className="muted">v{current.version}</span>
            {current.tags.map((tag) => (
              <Badge key={tag} tone="accent">
                {tag}
              </Badge>
            ))}
          </>
        }
        subtitle={
          <>
            <span>
              {formatCount(current.fileCount)} files · {formatBytes(current.totalSize)}
            </span>
            <span title={formatDateTime(current.createdAt)}>
              pushed {formatRelative(current.createdAt)} by {current.createdBy}
            </span>
            {current.message ? <span>“{current.message}”</span> : null}
          </>
        }
        actions={<CopyButton text={`${current.dataset}@${current.version}`} label="Copy reference" />}
      />
      <div className="mono faint" title="The digest of the manifest identifies this version">
        sha256 {current.digest}
      </div>
      <Tabs<Tab>
        label="Version sections"
        items={[
          { id: 'files', label: 'Files', count: current.fileCount },
          { id: 'usage', label: 'Used by', count: (runs.data?.length ?? 0) + (models.data?.length ?? 0) },
        ]}
        value={tab}
        onChange={(next) => url.set({ tab: next === 'files' ? undefined : next }, 'push')}
      />
      {tab === 'files' ? (
        <>
          <div className="toolbar">
            <div className="filter-box" style={{ maxWidth: 360 }}>
              <SearchIcon size={14} />
              <input
                className="input"
                style={{ fontFamily: 'var(--font-sans)', fontSize: 13 }}
                placeholder="Find a file"
                aria-label="Find a file"
                value={search}
                onChange={(event) => setSearch(event.target.value)}
              />
            </div>
            {version.data.files.nextPageToken ? (
              <span className="muted">
                Showing the first {formatCount(version.data.files.items.length)} files.
              </span>
            ) : null}
          </div>
          <DataTable
            label="Files"
            fill
            rows={files}
            columns={columns}
            rowKey={(file) => file.path}
            status="ready"
          />
        </>
      ) : (
        <div className="grid-2">
          <section className="card">
            <div className="card-header">
              <h2>Runs that used it</h2>
            </div>
            {runs.status === 'error' ? (
              <div className="card-body">
                <InlineError error={runs.error} />
              </div>
            ) : !runs.data ? (
              <div className="card-body">
                <span className="spinner" />
              </div>
            ) : runs.data.length === 0 ? (
              <div className="card-body muted">No run declared this version.</div>
            ) : (
              <table className="kv">
                <tbody>
                  {runs.data.map((use) => (
                    <tr key={`${use.runId}:${use.context}`}>
                      <th scope="row" style={{ width: 'auto' }}>
                        <Link className="link mono" href={`/run/?id=${use.runId}`}>
                          {shortId(use.runId)}
                        </Link>
                      </th>
                      <td>
                        <Badge>{use.context}</Badge>
                      </td>
                      <td className="muted num">{formatDateTime(use.recordedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section className="card">
            <div className="card-header">
              <h2>Model versions trained on it</h2>
            </div>
            {models.status === 'error' ? (
              <div className="card-body">
                <InlineError error={models.error} />
              </div>
            ) : !models.data ? (
              <div className="card-body">
                <span className="spinner" />
              </div>
            ) : models.data.length === 0 ? (
              <div className="card-body muted">No model version comes from a run that used it.</div>
            ) : (
              <table className="kv">
                <tbody>
                  {models.data.map((model) => (
                    <tr key={`${model.name}/${model.version}`}>
                      <th scope="row" style={{ width: 'auto' }}>
                        <Link
                          className="link"
                          href={`/model-version/?name=${encodeURIComponent(model.name)}&version=${model.version}`}
                        >
                          {model.name} v{model.version}
                        </Link>
                      </th>
                      <td>
                        <span className="toolbar" style={{ gap: 4 }}>
                          <StageBadge stage={model.stage} />
                          {model.aliases.map((alias) => (
                            <Badge key={alias} tone="accent">
                              @{alias}
                            </Badge>
                          ))}
                        </span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
      )}
    </div>
  );
}

export default function Page() {
  return (
    <Suspense>
      <VersionPage />
    </Suspense>
  );
}
