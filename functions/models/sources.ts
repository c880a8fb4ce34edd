import { maxUrlSeconds } from '#blobs/limits.ts';
import { baseName, isWithin, normalisePath } from '#blobs/paths.ts';
import { presignGet } from '#blobs/presign.ts';
import * as Artifacts from '#functions/artifacts/store.ts';
import * as Datasets from '#functions/datasets/store.ts';
import * as Runs from '#functions/runs/store.ts';
import { CairnError } from '#http/errors.ts';
import type { VersionFile } from './schema.ts';

/*
 * What the registry takes from other domains, each through that domain's exported functions: a
 * run's artifact files, the dataset versions a run used, and download URLs for blobs.
 */

/**
 * The files under a run's artifact path, with paths relative to it (a path naming one file gives
 * that file under its own name). A missing run is `runs.not_found`; a path with no files under it
 * is `models.artifact_not_found`.
 */
export async function filesOfRunArtifact(
  tenantId: string,
  runId: string,
  artifactPath: string,
): Promise<{ artifactPath: string; files: VersionFile[] }> {
  const run = await Runs.getRun(tenantId, runId);
  if (run.lifecycleStage !== 'active') {
    throw new CairnError(
      'runs.not_active',
      `Run ${runId} is deleted; restore it before registering from it`,
      {
        runId,
      },
    );
  }
  const path = normalisePath(artifactPath, { allowEmpty: true });
  const files: VersionFile[] = [];
  for (const entry of (await Artifacts.readManifest(tenantId, runId)).values()) {
    if (!isWithin(entry.path, path)) continue;
    const relative = !path
      ? entry.path
      : entry.path === path
        ? baseName(path)
        : entry.path.slice(path.length + 1);
    files.push({ path: relative, sha256: entry.sha256, size: entry.size });
  }
  if (files.length === 0) {
    const where = path ? `under "${path}"` : 'at all';
    throw new CairnError('models.artifact_not_found', `Run ${runId} has no artifact files ${where}`, {
      runId,
      artifactPath: path,
    });
  }
  files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return { artifactPath: path, files };
}

/** The dataset versions a run used (its declared inputs). */
export async function datasetsOfRun(tenantId: string, runId: string) {
  const inputs = await Datasets.runInputs(tenantId, runId);
  return inputs.map(({ dataset, version, digest, context }) => ({ dataset, version, digest, context }));
}

/** The runs that used a dataset version (`ref`: a number or a tag), and its number. */
export async function runsOfDatasetVersion(
  tenantId: string,
  dataset: string,
  ref: string,
): Promise<{ version: number; runIds: string[] }> {
  const { version, runs } = await Datasets.versionRuns(tenantId, dataset, ref);
  return { version, runIds: [...new Set(runs.map((run) => run.runId))] };
}

/** A short-lived GET of one file's blob, saved under the file's own name. */
export async function downloadUrl(tenantId: string, file: VersionFile): Promise<string> {
  return (await presignGet(tenantId, { sha256: file.sha256, fileName: baseName(file.path) })).url;
}

/** How long download URLs live, in milliseconds. */
export const downloadUrlLifetimeMs = maxUrlSeconds * 1000;
