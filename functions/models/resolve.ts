import * as Runs from '#functions/runs/store.ts';
import { CairnError } from '#http/errors.ts';
import { valueAt } from '#table/user-maps.ts';
import {
  filesOf,
  type ModelItem,
  queryVersions,
  requireModel,
  requireVersion,
  toVersion,
  type VersionItem,
} from './model-items.ts';
import { type Resolved, type Stage, stages } from './schema.ts';
import { downloadUrl, downloadUrlLifetimeMs } from './sources.ts';

/** What names a version: its number, an alias, the highest live number, or (MLflow URIs) a stage. */
export type VersionRef =
  | { kind: 'version'; version: number }
  | { kind: 'alias'; alias: string }
  | { kind: 'latest' }
  | { kind: 'stage'; stage: Stage };

const invalidRef = (text: string, expected: string) =>
  new CairnError('models.invalid_ref', `Cannot read ${JSON.stringify(text)}: expected ${expected}`, {
    ref: text,
  });

/** `production` (alias), `3` or `v3` (version), `latest`: what follows `@` and what `?ref=` takes. */
export function parseRef(text: string): VersionRef {
  if (/^v?\d+$/i.test(text)) {
    const version = Number(text.replace(/^v/i, ''));
    if (version >= 1 && version <= 1e12) return { kind: 'version', version };
    throw invalidRef(text, 'a version number from 1');
  }
  if (text.toLowerCase() === 'latest') return { kind: 'latest' };
  if (/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(text)) return { kind: 'alias', alias: text };
  throw invalidRef(text, 'an alias, a version number (3 or v3) or "latest"');
}

/**
 * A model URI as a name and a ref: `models/<name>@<alias>`, `models/<name>/<version>`, MLflow's
 * `models:/<name>@<alias>`, `models:/<name>/<version|stage|latest>`, or a bare `<name>@<ref>`.
 *
 * @example
 * parseModelUri('models/fraud@production'); // { name: 'fraud', ref: { kind: 'alias', alias: 'production' } }
 * parseModelUri('models:/fraud/Staging');    // { name: 'fraud', ref: { kind: 'stage', stage: 'Staging' } }
 */
export function parseModelUri(uri: string): { name: string; ref: VersionRef } {
  const expected = 'models/<name>@<alias>, models/<name>/<version> or <name>@<alias>';
  const rest = uri.replace(/^models:\//, '').replace(/^models\//, '');
  const at = rest.lastIndexOf('@');
  if (at > 0 && !rest.slice(0, at).includes('/'))
    return { name: decodeURIComponent(rest.slice(0, at)), ref: parseRef(rest.slice(at + 1)) };
  const slash = rest.indexOf('/');
  if (slash > 0 && rest.indexOf('/', slash + 1) < 0) {
    const name = decodeURIComponent(rest.slice(0, slash));
    const tail = rest.slice(slash + 1);
    const stage = stages.find((candidate) => candidate.toLowerCase() === tail.toLowerCase());
    if (stage) return { name, ref: { kind: 'stage', stage } };
    const ref = parseRef(tail);
    if (ref.kind !== 'alias') return { name, ref };
  }
  throw invalidRef(uri, expected);
}

/** The live version a ref names, or the error a caller should see. */
export async function versionFor(tenantId: string, model: ModelItem, ref: VersionRef): Promise<VersionItem> {
  switch (ref.kind) {
    case 'version':
      return requireVersion(tenantId, model, ref.version);
    case 'alias': {
      const version = valueAt(model.aliases, ref.alias);
      if (version === undefined) {
        throw new CairnError('models.alias_not_found', `Model "${model.name}" has no alias "${ref.alias}"`, {
          name: model.name,
          alias: ref.alias,
        });
      }
      return requireVersion(tenantId, model, version);
    }
    case 'latest':
    case 'stage': {
      const versions = (await queryVersions(tenantId, model.id)).filter(
        (item) => ref.kind === 'latest' || item.stage === ref.stage,
      );
      const newest = versions[0];
      if (!newest) {
        const what = ref.kind === 'latest' ? 'no versions' : `no version in stage ${ref.stage}`;
        throw new CairnError('models.version_not_found', `Model "${model.name}" has ${what}`, {
          name: model.name,
        });
      }
      return newest;
    }
  }
}

const refText = (ref: VersionRef) =>
  ref.kind === 'version'
    ? String(ref.version)
    : ref.kind === 'alias'
      ? ref.alias
      : ref.kind === 'stage'
        ? ref.stage
        : 'latest';

/**
 * The deployment hand-off: a ref resolved to its version, the run it came from, and its files with
 * sizes, digests and short-lived download URLs. A consumer checks each download against its digest.
 */
export async function resolveVersion(
  tenantId: string,
  name: string,
  ref: VersionRef,
  now = Date.now(),
): Promise<Resolved> {
  const model = await requireModel(tenantId, name);
  const item = await versionFor(tenantId, model, ref);
  const run = await Runs.getRun(tenantId, item.runId);
  const files = await Promise.all(
    filesOf(item).map(async (file) => ({ ...file, url: await downloadUrl(tenantId, file) })),
  );
  return {
    model: model.name,
    ref: refText(ref),
    version: toVersion(item, model),
    run: { id: run.id, name: run.name, experimentId: run.experimentId, status: run.status },
    files,
    expiresAt: now + downloadUrlLifetimeMs,
  };
}
