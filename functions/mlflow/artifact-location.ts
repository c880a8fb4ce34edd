import * as LoggedModels from '#functions/logged-models/store.ts';
import * as Runs from '#functions/runs/store.ts';
import { CairnError } from '#http/errors.ts';

/*
 * MLflow addresses files by `mlflow-artifacts:/` paths, and registry sources by `runs:/` and
 * `models:/` URIs. Cairn keeps every file in a run's artifact tree, so each resolves to a run and
 * a path in that run's tree:
 *
 *   <experiment>/<run id>/artifacts/<path>            → the run, <path>
 *   <experiment>/models/<model id>/artifacts/<path>   → the model's source run, models/<model id>/<path>
 *   runs:/<run id>/<path>                             → the run, <path>
 *   models:/<model id>                                → the model's source run, models/<model id>
 *
 * So a logged model's files show in Cairn's API, SDK and dashboard under the run that logged it,
 * and a registry version made from it references the same blobs.
 */

/** Where an MLflow artifact path lives in Cairn: a run, and a path in its tree ("" is its root). */
export interface Location {
  runId: string;
  path: string;
}

const unknownPath = (path: string) =>
  new CairnError(
    'mlflow.unsupported_artifact_path',
    `"${path}" is not under a run or a logged model; Cairn stores the artifacts of runs and logged models`,
    { path },
  );

/** Resolves an MLflow artifact path, checking that its run or model is the caller's. */
export async function locate(tenantId: string, rawPath: string): Promise<Location> {
  const segments = rawPath.split('/').filter((segment) => segment !== '');
  const [experimentId, owner, ...rest] = segments;
  if (!experimentId || !owner) throw unknownPath(rawPath);
  if (owner === 'models') {
    const [modelId, artifacts, ...path] = rest;
    if (
      !modelId ||
      !/^m-[0-9a-f]{32}$/.test(modelId) ||
      (artifacts !== undefined && artifacts !== 'artifacts')
    )
      throw unknownPath(rawPath);
    const location = await modelLocation(tenantId, modelId, rawPath);
    if (location.experimentId !== experimentId) throw notFound(rawPath);
    return { runId: location.runId, path: [location.path, ...path].join('/') };
  }
  const [artifacts, ...path] = rest;
  if (!/^[0-9a-f]{32}$/.test(owner) || (artifacts !== undefined && artifacts !== 'artifacts'))
    throw unknownPath(rawPath);
  const run = await Runs.getRun(tenantId, owner);
  if (run.experimentId !== experimentId) throw notFound(rawPath);
  return { runId: owner, path: path.join('/') };
}

export const notFound = (path: string) =>
  new CairnError('artifacts.not_found', `No artifact at "${path}"`, { path });

/** Where a logged model's files live: its source run, under `models/<model id>`. */
async function modelLocation(tenantId: string, modelId: string, named: string) {
  const model = await LoggedModels.getLoggedModel(tenantId, modelId);
  if (!model.sourceRunId) {
    throw new CairnError(
      'mlflow.unsupported_artifact_path',
      `Logged model ${modelId} has no source run; Cairn keeps a model's files with the run that logged it`,
      { path: named },
    );
  }
  return { runId: model.sourceRunId, path: `models/${modelId}`, experimentId: model.experimentId };
}

/**
 * Where a registry version's files are, from MLflow's `source` (and `model_id`, which MLflow 3
 * sends beside a `models:/` source).
 */
export async function sourceLocation(
  tenantId: string,
  source: string,
  modelId: string | undefined,
): Promise<Location> {
  const model = modelId ?? /^models:\/(m-[0-9a-f]{32})\/?$/.exec(source)?.[1];
  if (model) {
    const { runId, path } = await modelLocation(tenantId, model, source);
    return { runId, path };
  }
  const run = /^runs:\/([0-9a-f]{32})(?:\/(.*))?$/.exec(source);
  if (run) return { runId: run[1] as string, path: run[2] ?? '' };
  // MLflow 2.x clients resolve `runs:/` themselves and send the artifact URI; a host may precede the path.
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]+)?\/(.*)$/.exec(source);
  if (proxied) return locate(tenantId, proxied[1] as string);
  throw new CairnError(
    'mlflow.unsupported_artifact_path',
    `Cannot register "${source}": give a runs:/, models:/ or mlflow-artifacts:/ source of this tenant`,
    { path: source },
  );
}
