'use client';
import { useMemo, useState } from 'react';
import { Button } from '@/components/ui/button';
import { ColumnsIcon } from '@/components/ui/icons';
import { Popover } from '@/components/ui/popover';

/** Which param and metric columns the runs table shows; the choice lives in the URL. */
export function ColumnPicker({
  params,
  metrics,
  chosen,
  onChange,
}: {
  params: string[];
  metrics: string[];
  chosen: string[];
  onChange: (columns: string[]) => void;
}) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const chosenSet = useMemo(() => new Set(chosen), [chosen]);
  const needle = search.trim().toLowerCase();
  const groups = [
    { title: 'Metrics', ids: metrics.map((key) => `metrics.${key}`), keys: metrics },
    { title: 'Params', ids: params.map((key) => `params.${key}`), keys: params },
  ];
  const toggle = (id: string) =>
    onChange(chosenSet.has(id) ? chosen.filter((item) => item !== id) : [...chosen, id]);

  return (
    <Popover
      open={open}
      onClose={() => setOpen(false)}
      align="right"
      width={300}
      trigger={
        <Button
          icon={<ColumnsIcon size={14} />}
          onClick={() => setOpen((value) => !value)}
          aria-expanded={open}
        >
          Columns
          <span className="faint">{chosen.length}</span>
        </Button>
      }
    >
      <div className="popover-search">
        <input
          className="input"
          placeholder="Find a param or metric"
          aria-label="Find a column"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          // biome-ignore lint/a11y/noAutofocus: the popover opens to find a column
          autoFocus
        />
      </div>
      <div className="popover-list">
        {groups.map((group) => {
          const entries = group.ids
            .map((id, index) => ({ id, key: group.keys[index] ?? id }))
            .filter((entry) => !needle || entry.key.toLowerCase().includes(needle));
          if (entries.length === 0) return null;
          return (
            <div key={group.title}>
              <div className="popover-group">{group.title}</div>
              {entries.map((entry) => (
                <label key={entry.id} className="popover-item">
                  <input
                    type="checkbox"
                    checked={chosenSet.has(entry.id)}
                    onChange={() => toggle(entry.id)}
                  />
                  <span className="mono">{entry.key}</span>
                </label>
              ))}
            </div>
          );
        })}
        {params.length + metrics.length === 0 ? (
          <div className="popover-group" style={{ textTransform: 'none' }}>
            These runs have no params or metrics yet.
          </div>
        ) : null}
      </div>
      <div className="dialog-footer" style={{ padding: 8, justifyContent: 'space-between' }}>
        <Button size="sm" variant="ghost" onClick={() => onChange([])}>
          Hide all
        </Button>
        <Button size="sm" variant="ghost" onClick={() => onChange([...groups[0]!.ids, ...groups[1]!.ids])}>
          Show all
        </Button>
      </div>
    </Popover>
  );
}
