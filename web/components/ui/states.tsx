import type { ReactNode } from 'react';
import { Button } from './button';
import { AlertIcon, InboxIcon } from './icons';

export function Spinner({ label }: { label?: string }) {
  return (
    <span className="toolbar muted" role="status">
      <span className="spinner" />
      {label}
    </span>
  );
}

export function LoadingState({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" />
      <span>{label}</span>
    </div>
  );
}

export function EmptyState({
  title,
  children,
  icon,
  actions,
}: {
  title: string;
  children?: ReactNode;
  icon?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className="state" data-state="empty">
      <div className="state-icon">{icon ?? <InboxIcon size={20} />}</div>
      <div className="state-title">{title}</div>
      {children ? <div className="state-body">{children}</div> : null}
      {actions ? <div className="state-actions">{actions}</div> : null}
    </div>
  );
}

/** What went wrong, with the error's code when it has one, and a way to try again. */
export function ErrorState({
  error,
  title = 'Something went wrong',
  onRetry,
}: {
  error: Error;
  title?: string;
  onRetry?: () => void;
}) {
  const code = (error as { code?: unknown }).code;
  return (
    <div className="state state-error" role="alert" data-state="error">
      <div className="state-icon">
        <AlertIcon size={20} />
      </div>
      <div className="state-title">{title}</div>
      <div className="state-body">{error.message}</div>
      {typeof code === 'string' ? <div className="error-code">{code}</div> : null}
      {onRetry ? (
        <div className="state-actions">
          <Button size="sm" onClick={onRetry}>
            Try again
          </Button>
        </div>
      ) : null}
    </div>
  );
}

export function InlineError({ error }: { error: Error | string }) {
  return (
    <div className="inline-error" role="alert">
      <AlertIcon size={14} style={{ marginTop: 1, flex: 'none' }} />
      <span>{typeof error === 'string' ? error : error.message}</span>
    </div>
  );
}

export function SkeletonRows({ rows = 8 }: { rows?: number }) {
  return (
    <div aria-hidden="true">
      {Array.from({ length: rows }, (_, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
        <div className="skeleton-row" key={index}>
          <div className="skeleton" style={{ width: 180 }} />
          <div className="skeleton" style={{ width: 80 }} />
          <div className="skeleton" style={{ width: 120 }} />
          <div className="skeleton" style={{ width: 60 }} />
        </div>
      ))}
    </div>
  );
}
