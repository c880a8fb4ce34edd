'use client';
import Link from 'next/link';
import type { Run } from '@/lib/api/types';
import { differs, type Field } from './fields';

/** Runs side by side, one row per field; rows where the runs disagree are highlighted. */
export function CompareTable({
  runs,
  colors,
  fields,
  onlyDifferences,
}: {
  runs: readonly Run[];
  colors: readonly string[];
  fields: readonly Field[];
  onlyDifferences: boolean;
}) {
  const rows = fields.map((field) => ({ field, different: differs(field, runs) }));
  const shown = onlyDifferences ? rows.filter((row) => row.different) : rows;
  const groups = ['attribute', 'param', 'metric'] as const;
  const titles = { attribute: 'Attributes', param: 'Params', metric: 'Metrics' };
  return (
    <div className="card" style={{ overflow: 'auto' }}>
      <table className="kv compare-table" style={{ minWidth: 200 + runs.length * 160 }}>
        <thead>
          <tr>
            <th
              scope="col"
              style={{ width: 220, position: 'sticky', left: 0, background: 'var(--bg-subtle)' }}
            />
            {runs.map((run, index) => (
              <th key={run.id} scope="col" style={{ width: 160, background: 'var(--bg-subtle)' }}>
                <span className="cell-name">
                  <span className="swatch" style={{ background: colors[index] }} />
                  <Link className="link" href={`/run/?id=${run.id}`}>
                    {run.name}
                  </Link>
                </span>
              </th>
            ))}
          </tr>
        </thead>
        {groups.map((group) => {
          const inGroup = shown.filter((row) => row.field.group === group);
          if (inGroup.length === 0) return null;
          return (
            <tbody key={group}>
              <tr>
                <th
                  colSpan={runs.length + 1}
                  className="popover-group"
                  style={{ background: 'var(--bg-subtle)' }}
                >
                  {titles[group]}
                </th>
              </tr>
              {inGroup.map(({ field, different }) => (
                <tr key={field.id} data-different={different || undefined}>
                  <th scope="row" className={group === 'attribute' ? undefined : 'mono'}>
                    {field.label}
                  </th>
                  {runs.map((run) => (
                    <td
                      key={run.id}
                      className={[
                        different ? 'diff-cell' : '',
                        group === 'metric' ? 'num' : '',
                        group === 'param' ? 'mono' : '',
                      ].join(' ')}
                    >
                      {field.display(run)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          );
        })}
      </table>
      {shown.length === 0 ? <div className="card-body muted">These runs agree on every field.</div> : null}
    </div>
  );
}
