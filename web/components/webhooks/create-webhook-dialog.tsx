'use client';
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { Dialog } from '@/components/ui/dialog';
import { InlineError } from '@/components/ui/states';
import * as api from '@/lib/api';
import type { CreatedWebhook } from '@/lib/api/types';

export const eventChoices = [
  { id: '*', label: 'Everything' },
  { id: 'model.*', label: 'Every registry change' },
  { id: 'model.alias.*', label: 'Alias set, moved or removed (promotions)' },
  { id: 'model.version.*', label: 'Model versions created, changed, staged or deleted' },
  { id: 'key.*', label: 'API keys created or revoked' },
  { id: 'run.*', label: 'Runs deleted or restored' },
];

/** Adds a webhook and shows its signing secret once. */
export function CreateWebhookDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: () => void;
}) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['model.alias.*']);
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [created, setCreated] = useState<CreatedWebhook>();
  useEffect(() => {
    if (!open) return;
    setUrl('');
    setEvents(['model.alias.*']);
    setDescription('');
    setBusy(false);
    setError(undefined);
    setCreated(undefined);
  }, [open]);

  if (created) {
    return (
      <Dialog
        open={open}
        onClose={onClose}
        width={560}
        title="Copy the signing secret now"
        description="Deliveries carry an HMAC-SHA256 signature made with this secret. It is shown only once."
        footer={
          <Button variant="primary" onClick={onClose}>
            Done
          </Button>
        }
      >
        <div className="secret-box">
          <code>{created.secret}</code>
          <CopyButton text={created.secret} />
        </div>
      </Dialog>
    );
  }
  const toggle = (id: string) =>
    setEvents((current) => (current.includes(id) ? current.filter((one) => one !== id) : [...current, id]));
  return (
    <Dialog
      open={open}
      onClose={onClose}
      width={520}
      title="Add a webhook"
      description="Cairn POSTs a signed JSON event to this URL, and retries when it fails."
      onSubmit={async () => {
        setBusy(true);
        setError(undefined);
        try {
          setCreated(
            await api.webhooks.createWebhook({ url: url.trim(), events, description: description.trim() }),
          );
          onCreated();
        } catch (failure) {
          setError(failure as Error);
        }
        setBusy(false);
      }}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={!url.trim() || events.length === 0}>
            Add webhook
          </Button>
        </>
      }
    >
      <div className="field">
        <label htmlFor="webhook-url">Payload URL</label>
        <input
          id="webhook-url"
          className="input input-mono"
          type="url"
          placeholder="https://deploy.example.com/hooks/cairn"
          value={url}
          onChange={(event) => setUrl(event.target.value)}
        />
      </div>
      <fieldset className="field" style={{ border: 0, padding: 0, margin: 0 }}>
        <legend className="field-label" style={{ marginBottom: 6 }}>
          Events
        </legend>
        {eventChoices.map((choice) => (
          <label key={choice.id} className="checkbox">
            <input type="checkbox" checked={events.includes(choice.id)} onChange={() => toggle(choice.id)} />
            <span>
              <code>{choice.id}</code> <span className="muted">{choice.label}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor="webhook-description">Description</label>
        <input
          id="webhook-description"
          className="input"
          value={description}
          maxLength={500}
          onChange={(event) => setDescription(event.target.value)}
        />
      </div>
      {error ? <InlineError error={error} /> : null}
    </Dialog>
  );
}
