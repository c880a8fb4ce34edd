import type { AuditEvent } from './api/types';

type State = Record<string, unknown> | null | undefined;

const state = (value: unknown): State =>
  value && typeof value === 'object' ? (value as Record<string, unknown>) : null;

/** One line saying what an audit event changed: "champion: v1 → v2", "stage None → Production". */
export function describeEvent(event: AuditEvent): string {
  const before = state(event.before);
  const after = state(event.after);
  const version = (after?.version ?? before?.version) as number | undefined;
  switch (event.type) {
    case 'model.alias.set':
      return `@${after?.alias} → v${after?.version}`;
    case 'model.alias.moved':
      return `@${after?.alias}: v${before?.version} → v${after?.version}`;
    case 'model.alias.removed':
      return `@${before?.alias} removed from v${before?.version}`;
    case 'model.version.stage_changed': {
      const archived =
        Array.isArray(after?.archived) && after.archived.length
          ? ` (archived v${after.archived.join(', v')})`
          : '';
      return `v${version}: ${before?.stage} → ${after?.stage}${archived}`;
    }
    case 'model.version.created':
      return `v${version} registered from run ${String(after?.runId ?? '').slice(0, 8)}`;
    case 'model.version.deleted':
      return `v${version} deleted`;
    case 'model.version.updated':
      return `v${version} description or tags changed`;
    case 'model.created':
      return `model ${after?.name ?? ''} registered`;
    case 'model.deleted':
      return `model ${before?.name ?? ''} deleted`;
    case 'model.updated':
      return 'description or tags changed';
    case 'experiment.deleted':
    case 'run.deleted':
      return 'moved to Deleted';
    case 'experiment.restored':
    case 'run.restored':
      return 'restored';
    case 'model.renamed':
      return `renamed ${before?.name} → ${after?.name}`;
    case 'model.protected_aliases_changed':
      return `protected aliases: ${(after?.protectedAliases as string[] | undefined)?.join(', ') || 'none'}`;
    case 'key.created':
      return `key "${after?.name}" created (${after?.role})`;
    case 'key.revoked':
      return `key "${before?.name ?? after?.name}" revoked`;
    case 'webhook.created':
      return `webhook to ${after?.url}`;
    case 'webhook.deleted':
      return `webhook to ${before?.url} removed`;
    default:
      return '';
  }
}

/** The page an event's resource lives on, when the dashboard has one. */
export function resourceHref(resource: string): string | undefined {
  const [kind, ...rest] = resource.split('/');
  const id = rest.join('/');
  if (kind === 'models') return `/model/?name=${encodeURIComponent(id)}`;
  if (kind === 'runs') return `/run/?id=${encodeURIComponent(id)}`;
  if (kind === 'experiments') return `/experiment/?id=${encodeURIComponent(id)}`;
  if (kind === 'keys') return '/settings/keys/?show=all';
  if (kind === 'webhooks') return '/settings/webhooks/';
  return undefined;
}

/** Whether an event concerns one version of a model (its creation, stage, aliases). */
export function concernsVersion(event: AuditEvent, version: number): boolean {
  return state(event.before)?.version === version || state(event.after)?.version === version;
}
