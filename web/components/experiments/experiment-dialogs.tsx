'use client';
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmDialog, Dialog } from '@/components/ui/dialog';
import { InlineError } from '@/components/ui/states';
import * as api from '@/lib/api';
import type { Experiment } from '@/lib/api/types';

/** Create (no `experiment`) or rename-and-describe an experiment. */
export function ExperimentFormDialog({
  open,
  experiment,
  onClose,
  onSaved,
}: {
  open: boolean;
  experiment?: Experiment;
  onClose: () => void;
  onSaved: (experiment: Experiment) => void;
}) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  useEffect(() => {
    if (!open) return;
    setName(experiment?.name ?? '');
    setDescription(experiment?.description ?? '');
    setError(undefined);
    setBusy(false);
  }, [open, experiment]);

  const save = async () => {
    if (!name.trim()) return;
    setBusy(true);
    setError(undefined);
    try {
      const saved = experiment
        ? await api.experiments.updateExperiment(experiment.id, { name: name.trim(), description })
        : await api.experiments.createExperiment({
            name: name.trim(),
            ...(description.trim() ? { description: description.trim() } : {}),
          });
      onSaved(saved);
    } catch (failure) {
      const code = (failure as { code?: string }).code;
      setError(
        code === 'experiments.already_exists'
          ? new Error(`An experiment named "${name.trim()}" already exists`)
          : (failure as Error),
      );
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={experiment ? 'Edit experiment' : 'New experiment'}
      onSubmit={save}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={!name.trim()}>
            {experiment ? 'Save' : 'Create experiment'}
          </Button>
        </>
      }
    >
      <div className="field">
        <label htmlFor="experiment-name">Name</label>
        <input
          id="experiment-name"
          className="input"
          value={name}
          maxLength={500}
          onChange={(event) => setName(event.target.value)}
          autoFocus
        />
      </div>
      <div className="field">
        <label htmlFor="experiment-description">Description</label>
        <textarea
          id="experiment-description"
          className="textarea"
          rows={3}
          value={description}
          maxLength={5000}
          onChange={(event) => setDescription(event.target.value)}
        />
      </div>
      {error ? <InlineError error={error} /> : null}
    </Dialog>
  );
}

/** Delete is soft: the experiment and its runs can be restored from the Deleted view. */
export function DeleteExperimentDialog({
  experiment,
  onClose,
  onDeleted,
}: {
  experiment: Experiment | undefined;
  onClose: () => void;
  onDeleted: (experiment: Experiment) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const shown = experiment?.id;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a dialog for another experiment starts afresh
  useEffect(() => {
    setBusy(false);
    setError(undefined);
  }, [shown]);
  return (
    <ConfirmDialog
      open={!!experiment}
      onClose={onClose}
      title="Delete experiment?"
      description={
        <>
          <strong>{experiment?.name}</strong> moves to Deleted, where it can be restored. Its runs stay.
        </>
      }
      confirmLabel="Delete"
      danger
      busy={busy}
      error={error}
      onConfirm={async () => {
        if (!experiment) return;
        setBusy(true);
        try {
          onDeleted(await api.experiments.deleteExperiment(experiment.id));
        } catch (failure) {
          setError(failure as Error);
          setBusy(false);
        }
      }}
    />
  );
}
