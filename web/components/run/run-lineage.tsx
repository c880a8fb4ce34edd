'use client';
import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { InlineError } from '@/components/ui/states';
import * as api from '@/lib/api';
import type { Run } from '@/lib/api/types';
import { formatDateTime } from '@/lib/format';
import { useResource } from '@/lib/use-resource';
import { StageBadge } from '../models/stage-badge';

/** Lineage seen from the run: the dataset versions it used, the model versions made from it. */
export function RunLineage({ run }: { run: Run }) {
  const inputs = useResource((signal) => api.datasets.runInputs(run.id, signal), [run.id]);
  const versions = useResource((signal) => api.models.versionsOfRun(run.id, signal), [run.id]);
  return (
    <div className="grid-2">
      <section className="card">
        <div className="card-header">
          <h2>Datasets used</h2>
          <span className="faint">{inputs.data?.length ?? ''}</span>
        </div>
        {inputs.status === 'error' ? (
          <div className="card-body">
            <InlineError error={inputs.error} />
          </div>
        ) : !inputs.data ? (
          <div className="card-body">
            <span className="spinner" />
          </div>
        ) : inputs.data.length === 0 ? (
          <div className="card-body muted">
            This run declared no dataset version (<code>POST /runs/&#123;id&#125;/inputs</code>, or
            MLflow&apos;s <code>log_input</code>).
          </div>
        ) : (
          <table className="kv">
            <tbody>
              {inputs.data.map((input) => (
                <tr key={`${input.dataset}@${input.version}:${input.context}`}>
                  <th scope="row" style={{ width: 'auto' }}>
                    <Link
                      className="link"
                      href={`/dataset-version/?name=${encodeURIComponent(input.dataset)}&version=${input.version}`}
                    >
                      {input.dataset} v{input.version}
                    </Link>
                  </th>
                  <td>
                    <Badge>{input.context}</Badge>
                  </td>
                  <td className="mono faint" title={input.digest}>
                    {input.digest.slice(0, 12)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <div className="card-header">
          <h2>Model versions from this run</h2>
          <span className="faint">{versions.data?.length ?? ''}</span>
        </div>
        {versions.status === 'error' ? (
          <div className="card-body">
            <InlineError error={versions.error} />
          </div>
        ) : !versions.data ? (
          <div className="card-body">
            <span className="spinner" />
          </div>
        ) : versions.data.length === 0 ? (
          <div className="card-body muted">No model version was registered from this run.</div>
        ) : (
          <table className="kv">
            <tbody>
              {versions.data.map((version) => (
                <tr key={`${version.name}/${version.version}`}>
                  <th scope="row" style={{ width: 'auto' }}>
                    <Link
                      className="link"
                      href={`/model-version/?name=${encodeURIComponent(version.name)}&version=${version.version}`}
                    >
                      {version.name} v{version.version}
                    </Link>
                  </th>
                  <td>
                    <span className="toolbar" style={{ gap: 4 }}>
                      <StageBadge stage={version.stage} />
                      {version.aliases.map((alias) => (
                        <Badge key={alias} tone="accent">
                          @{alias}
                        </Badge>
                      ))}
                    </span>
                  </td>
                  <td className="muted num">{formatDateTime(version.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
