'use client';
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { InlineError } from '@/components/ui/states';
import * as api from '@/lib/api';
import type { ModelStage, ModelVersion } from '@/lib/api/types';

const stages: ModelStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** MLflow's legacy stages, for clients that still read them; aliases are the modern way. */
export function StageDialog({
  version,
  onClose,
  onChanged,
}: {
  version: ModelVersion | undefined;
  onClose: () => void;
  onChanged: () => void;
}) {
  const [stage, setStage] = useState<ModelStage>('Staging');
  const [archive, setArchive] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const shown = version ? `${version.name}/${version.version}` : undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset for each version shown
  useEffect(() => {
    if (!version) return;
    setStage(version.stage === 'Staging' ? 'Production' : 'Staging');
    setArchive(false);
    setBusy(false);
    setError(undefined);
  }, [shown]);
  return (
    <Dialog
      open={!!version}
      onClose={onClose}
      title={`Stage of ${version?.name} v${version?.version}`}
      description={`Now: ${version?.stage}.`}
      onSubmit={async () => {
        if (!version) return;
        setBusy(true);
        try {
          await api.models.transitionStage(version.name, version.version, stage, archive);
          onChanged();
        } catch (failure) {
          setError(failure as Error);
          setBusy(false);
        }
      }}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={stage === version?.stage}>
            Move to {stage}
          </Button>
        </>
      }
    >
      <div className="field">
        <label htmlFor="stage">Stage</label>
        <select
          id="stage"
          className="select"
          value={stage}
          onChange={(event) => setStage(event.target.value as ModelStage)}
        >
          {stages.map((one) => (
            <option key={one}>{one}</option>
          ))}
        </select>
      </div>
      {stage === 'Staging' || stage === 'Production' ? (
        <label className="checkbox">
          <input type="checkbox" checked={archive} onChange={(event) => setArchive(event.target.checked)} />
          Archive the versions now in {stage}
        </label>
      ) : null}
      {error ? <InlineError error={error} /> : null}
    </Dialog>
  );
}
