'use client';
import { Badge } from '@/components/ui/badge';
import { ErrorState, LoadingState } from '@/components/ui/states';
import * as api from '@/lib/api';
import { formatBytes, formatCount } from '@/lib/format';
import { useResource } from '@/lib/use-resource';

/** Files added, removed and changed between two versions of a dataset. */
export function VersionDiffView({ dataset, from, to }: { dataset: string; from: number; to: number }) {
  const diff = useResource(
    (signal) => api.datasets.diffVersions(dataset, from, to, signal),
    [dataset, from, to],
  );
  if (diff.status === 'error' && !diff.data) return <ErrorState error={diff.error} onRetry={diff.reload} />;
  if (!diff.data) return <LoadingState />;
  const { added, removed, changed, unchanged } = diff.data;
  const rows = [
    ...added.map((file) => ({ kind: 'added' as const, path: file.path, detail: formatBytes(file.size) })),
    ...removed.map((file) => ({ kind: 'removed' as const, path: file.path, detail: formatBytes(file.size) })),
    ...changed.map((change) => ({
      kind: 'changed' as const,
      path: change.path,
      detail: `${formatBytes(change.from.size)} → ${formatBytes(change.to.size)}`,
    })),
  ].sort((a, b) => a.path.localeCompare(b.path));
  const tone = { added: 'success', removed: 'danger', changed: 'warning' } as const;
  return (
    <section className="card" data-testid="dataset-diff">
      <div className="card-header">
        <h2>
          v{from} → v{to}
        </h2>
        <span className="toolbar" style={{ gap: 6 }}>
          <Badge tone="success">+{formatCount(added.length)} added</Badge>
          <Badge tone="danger">−{formatCount(removed.length)} removed</Badge>
          <Badge tone="warning">~{formatCount(changed.length)} changed</Badge>
          <Badge>{formatCount(unchanged)} unchanged</Badge>
        </span>
      </div>
      {rows.length === 0 ? (
        <div className="card-body muted">The two versions hold the same files.</div>
      ) : (
        <div className="kv-scroll" style={{ maxHeight: 560 }}>
          <table className="kv">
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.kind}:${row.path}`}>
                  <td style={{ width: 90 }}>
                    <Badge tone={tone[row.kind]}>{row.kind}</Badge>
                  </td>
                  <td className="mono">{row.path}</td>
                  <td className="num muted" style={{ textAlign: 'right' }}>
                    {row.detail}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
