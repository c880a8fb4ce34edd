'use client';
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { InlineError } from '@/components/ui/states';
import * as api from '@/lib/api';
import type { Model, ModelVersion, Role } from '@/lib/api/types';

/**
 * Promote = point an alias (champion, production) at this version. If the alias pointed at
 * another version it moves; consumers resolving `models/<name>@<alias>` follow it at once.
 */
export function PromoteDialog({
  model,
  version,
  role,
  onClose,
  onPromoted,
}: {
  model: Model;
  version: ModelVersion | undefined;
  role: Role;
  onClose: () => void;
  onPromoted: (alias: string) => void;
}) {
  const existing = Object.keys(model.aliases).sort();
  const [alias, setAlias] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const shown = version?.version;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when another version is promoted
  useEffect(() => {
    if (shown === undefined) return;
    setAlias(
      existing.includes('champion') || existing.length === 0 ? 'champion' : (existing[0] ?? 'champion'),
    );
    setBusy(false);
    setError(undefined);
  }, [shown]);
  const name = alias.trim();
  const current = model.aliases[name];
  const isProtected = model.protectedAliases.includes(name);
  const blocked = isProtected && role !== 'admin';

  return (
    <Dialog
      open={!!version}
      onClose={onClose}
      title={`Promote ${model.name} v${version?.version ?? ''}`}
      description="Point an alias at this version. Deployments that resolve the alias pick it up right away."
      onSubmit={async () => {
        if (!version || !name || blocked) return;
        setBusy(true);
        setError(undefined);
        try {
          await api.models.setAlias(model.name, name, version.version);
          onPromoted(name);
        } catch (failure) {
          setError(failure as Error);
          setBusy(false);
        }
      }}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            variant="primary"
            busy={busy}
            disabled={!name || blocked || current === version?.version}
          >
            {current !== undefined && current !== version?.version
              ? `Move @${name}`
              : `Set @${name || 'alias'}`}
          </Button>
        </>
      }
    >
      <div className="field">
        <label htmlFor="promote-alias">Alias</label>
        <input
          id="promote-alias"
          className="input input-mono"
          list="promote-aliases"
          value={alias}
          maxLength={255}
          onChange={(event) => setAlias(event.target.value)}
        />
        <datalist id="promote-aliases">
          {existing.map((one) => (
            <option key={one} value={one} />
          ))}
        </datalist>
        <span className="field-hint">
          {current === undefined
            ? `@${name || '…'} is new: it will point at v${version?.version}.`
            : current === version?.version
              ? `@${name} already points at this version.`
              : `@${name} points at v${current} today; it moves to v${version?.version}.`}
        </span>
      </div>
      {blocked ? <InlineError error={`@${name} is protected: only an admin key may move it.`} /> : null}
      {error ? <InlineError error={error} /> : null}
    </Dialog>
  );
}
