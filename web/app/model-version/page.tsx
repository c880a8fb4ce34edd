'use client';
import Link from 'next/link';
import { Suspense, useState } from 'react';
import { PromoteDialog } from '@/components/models/promote-dialog';
import { StageBadge } from '@/components/models/stage-badge';
import { StageDialog } from '@/components/models/stage-dialog';
import { StatusLabel } from '@/components/runs/status';
import { useCan, useSession } from '@/components/shell/session';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/page-header';
import { ErrorState, InlineError, LoadingState } from '@/components/ui/states';
import { Tabs } from '@/components/ui/tabs';
import { useToast } from '@/components/ui/toast';
import * as api from '@/lib/api';
import { concernsVersion, describeEvent } from '@/lib/audit-summary';
import { useDocumentTitle } from '@/lib/document-title';
import { formatBytes, formatCount, formatDateTime, formatMetric, formatRelative } from '@/lib/format';
import { useUrlState } from '@/lib/url-state';
import { useResource } from '@/lib/use-resource';

const tabs = ['lineage', 'files', 'history'] as const;
type Tab = (typeof tabs)[number];

function VersionPage() {
  const url = useUrlState();
  const toast = useToast();
  const { session } = useSession();
  const canWrite = useCan('writer');
  const name = url.get('name') ?? '';
  const number = Number(url.get('version') ?? '0');
  useDocumentTitle(`${name} v${number}`);
  const tab: Tab = (tabs as readonly string[]).includes(url.get('tab') ?? '')
    ? (url.get('tab') as Tab)
    : 'lineage';
  const [promoting, setPromoting] = useState(false);
  const [staging, setStaging] = useState(false);
  const model = useResource((signal) => api.models.getModel(name, signal), [name]);
  const version = useResource((signal) => api.models.getVersion(name, number, signal), [name, number]);
  const lineage = useResource((signal) => api.models.getLineage(name, number, signal), [name, number]);
  const history = useResource(
    async (signal) => {
      if (tab !== 'history') return undefined;
      const page = await api.audit.queryAudit({ resource: `models/${name}`, maxResults: 500, signal });
      return page.items.filter((event) => concernsVersion(event, number));
    },
    [name, number, tab],
  );

  if (version.status === 'error' && !version.data) {
    const missing = api.CairnError.is(version.error, 'models.');
    return (
      <div className="page">
        <ErrorState
          error={version.error}
          title={missing ? 'This model version does not exist' : 'Could not load it'}
          onRetry={version.reload}
        />
      </div>
    );
  }
  if (!version.data) return <LoadingState />;
  const current = version.data;
  const reload = () => {
    model.reload();
    version.reload();
    lineage.reload();
    history.reload();
  };

  return (
    <div className="page">
      <PageHeader
        crumbs={[
          { label: 'Models', href: '/models/' },
          { label: current.name, href: `/model/?name=${encodeURIComponent(current.name)}` },
          { label: `v${current.version}` },
        ]}
        title={
          <>
            {current.name} <span className="muted">v{current.version}</span>
            <StageBadge stage={current.stage} />
            {current.aliases.map((alias) => (
              <Badge key={alias} tone="accent">
                @{alias}
              </Badge>
            ))}
          </>
        }
        subtitle={
          <>
            <span>
              registered {formatRelative(current.createdAt)} by {current.createdBy}
            </span>
            <span>
              {formatCount(current.fileCount)} files · {formatBytes(current.totalSize)}
            </span>
            <span className="mono" title="What registered it">
              {current.source}
            </span>
          </>
        }
        actions={
          canWrite && model.data ? (
            <>
              <Button onClick={() => setStaging(true)} data-write="">
                Change stage
              </Button>
              <Button variant="primary" onClick={() => setPromoting(true)} data-write="">
                Promote
              </Button>
            </>
          ) : null
        }
      />
      {current.description ? <p style={{ margin: 0 }}>{current.description}</p> : null}
      <Tabs<Tab>
        label="Version sections"
        items={[
          { id: 'lineage', label: 'Lineage' },
          { id: 'files', label: 'Files', count: current.fileCount },
          { id: 'history', label: 'Alias & stage history' },
        ]}
        value={tab}
        onChange={(next) => url.set({ tab: next === 'lineage' ? undefined : next }, 'push')}
      />
      {tab === 'lineage' ? (
        lineage.status === 'error' ? (
          <InlineError error={lineage.error} />
        ) : !lineage.data ? (
          <LoadingState />
        ) : (
          <div className="section" style={{ gap: 16 }}>
            <div className="grid-2">
              <section className="card">
                <div className="card-header">
                  <h2>Run</h2>
                  <StatusLabel status={lineage.data.run.status} />
                </div>
                <div className="card-body">
                  <dl className="facts">
                    <div className="fact">
                      <dt>Run</dt>
                      <dd>
                        <Link className="link" href={`/run/?id=${lineage.data.run.id}`}>
                          {lineage.data.run.name}
                        </Link>
                      </dd>
                    </div>
                    <div className="fact">
                      <dt>User</dt>
                      <dd>{lineage.data.run.user}</dd>
                    </div>
                    <div className="fact">
                      <dt>Started</dt>
                      <dd className="num">{formatDateTime(lineage.data.run.startTime)}</dd>
                    </div>
                    <div className="fact">
                      <dt>Artifact path</dt>
                      <dd className="mono">{current.artifactPath}</dd>
                    </div>
                  </dl>
                </div>
              </section>
              <section className="card">
                <div className="card-header">
                  <h2>Trained on</h2>
                  <span className="faint">{lineage.data.datasets.length}</span>
                </div>
                {lineage.data.datasets.length === 0 ? (
                  <div className="card-body muted">The run declared no dataset version.</div>
                ) : (
                  <table className="kv">
                    <tbody>
                      {lineage.data.datasets.map((use) => (
                        <tr key={`${use.dataset}@${use.version}:${use.context}`}>
                          <th scope="row" style={{ width: 'auto' }}>
                            <Link
                              className="link"
                              href={`/dataset-version/?name=${encodeURIComponent(use.dataset)}&version=${use.version}`}
                            >
                              {use.dataset} v{use.version}
                            </Link>
                          </th>
                          <td>
                            <Badge>{use.context}</Badge>
                          </td>
                          <td className="mono faint">{use.digest.slice(0, 12)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
            </div>
            <div className="grid-2">
              <section className="card">
                <div className="card-header">
                  <h2>Params</h2>
                </div>
                <table className="kv">
                  <tbody>
                    {Object.entries(lineage.data.run.params)
                      .sort(([a], [b]) => a.localeCompare(b))
                      .map(([key, value]) => (
                        <tr key={key}>
                          <th scope="row" className="mono">
                            {key}
                          </th>
                          <td className="mono">{value}</td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </section>
              <section className="card">
                <div className="card-header">
                  <h2>Metrics</h2>
                </div>
                <table className="kv">
                  <tbody>
                    {Object.entries(lineage.data.run.metrics)
                      .sort(([a], [b]) => a.localeCompare(b))
                      .map(([key, value]) => (
                        <tr key={key}>
                          <th scope="row" className="mono">
                            {key}
                          </th>
                          <td className="num">{formatMetric(value)}</td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </section>
            </div>
          </div>
        )
      ) : null}
      {tab === 'files' ? (
        <section className="card">
          <table className="kv">
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col" style={{ textAlign: 'right' }}>
                  Size
                </th>
                <th scope="col">SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {current.files.map((file) => (
                <tr key={file.path}>
                  <td className="mono">{file.path}</td>
                  <td className="num" style={{ textAlign: 'right' }}>
                    {formatBytes(file.size)}
                  </td>
                  <td className="mono faint" title={file.sha256}>
                    {file.sha256.slice(0, 16)}…
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {tab === 'history' ? (
        history.status === 'error' ? (
          <InlineError error={history.error} />
        ) : !history.data ? (
          <LoadingState />
        ) : history.data.length === 0 ? (
          <div className="muted">No alias or stage change recorded for this version.</div>
        ) : (
          <section className="card">
            <table className="kv" data-testid="version-history">
              <tbody>
                {history.data.map((event) => (
                  <tr key={event.id}>
                    <th scope="row" className="num" style={{ width: 180 }} title={event.time.toISOString()}>
                      {formatDateTime(event.time)}
                    </th>
                    <td>
                      <code>{event.type}</code>
                    </td>
                    <td>{describeEvent(event)}</td>
                    <td className="muted">{event.actor.name}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )
      ) : null}
      {model.data ? (
        <PromoteDialog
          model={model.data}
          version={promoting ? current : undefined}
          role={session?.role ?? 'reader'}
          onClose={() => setPromoting(false)}
          onPromoted={(alias) => {
            toast(`@${alias} now points at v${current.version}`);
            setPromoting(false);
            reload();
          }}
        />
      ) : null}
      <StageDialog
        version={staging ? current : undefined}
        onClose={() => setStaging(false)}
        onChanged={() => {
          setStaging(false);
          toast('Stage changed');
          reload();
        }}
      />
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
