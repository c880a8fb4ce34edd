'use client';
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { Dialog } from '@/components/ui/dialog';
import { InlineError } from '@/components/ui/states';
import * as api from '@/lib/api';
import type { CreatedApiKey, Role } from '@/lib/api/types';

const roleHelp: Record<Role, string> = {
  reader: 'sees everything, changes nothing',
  writer: 'logs runs, edits experiments',
  admin: 'also manages keys and webhooks',
};

/** Creates a key and shows its secret once: the server keeps only a hash. */
export function CreateKeyDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: () => void;
}) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('writer');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [created, setCreated] = useState<CreatedApiKey>();
  useEffect(() => {
    if (!open) return;
    setName('');
    setRole('writer');
    setBusy(false);
    setError(undefined);
    setCreated(undefined);
  }, [open]);

  if (created) {
    return (
      <Dialog
        open={open}
        onClose={onClose}
        title="Copy the new key now"
        description="This is the only time the secret is shown. Store it in your password manager or CI secrets."
        width={560}
        footer={
          <Button variant="primary" onClick={onClose}>
            Done
          </Button>
        }
      >
        <div className="secret-box">
          <code data-testid="new-key-secret">{created.secret}</code>
          <CopyButton text={created.secret} />
        </div>
        <div className="muted">
          <strong>{created.name}</strong> · {created.role}. Use it as <code>CAIRN_API_KEY</code> or{' '}
          <code>MLFLOW_TRACKING_TOKEN</code>.
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="New API key"
      description="A key signs in people, scripts and MLflow clients as this workspace."
      onSubmit={async () => {
        if (!name.trim()) return;
        setBusy(true);
        setError(undefined);
        try {
          setCreated(await api.keys.createKey({ name: name.trim(), role }));
          onCreated();
        } catch (failure) {
          setError(failure as Error);
        }
        setBusy(false);
      }}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={!name.trim()}>
            Create key
          </Button>
        </>
      }
    >
      <div className="field">
        <label htmlFor="key-name">Name</label>
        <input
          id="key-name"
          className="input"
          placeholder="ci-training, alice-laptop…"
          value={name}
          maxLength={100}
          onChange={(event) => setName(event.target.value)}
          autoFocus
        />
        <span className="field-hint">Runs logged with the key record this name as their user.</span>
      </div>
      <fieldset className="field" style={{ border: 0, padding: 0, margin: 0 }}>
        <legend className="field-label" style={{ marginBottom: 6 }}>
          Role
        </legend>
        {(['reader', 'writer', 'admin'] as const).map((option) => (
          <label key={option} className="checkbox">
            <input
              type="radio"
              name="role"
              value={option}
              checked={role === option}
              onChange={() => setRole(option)}
            />
            <span>
              <strong style={{ fontWeight: 500 }}>{option}</strong>{' '}
              <span className="muted">— {roleHelp[option]}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {error ? <InlineError error={error} /> : null}
    </Dialog>
  );
}
