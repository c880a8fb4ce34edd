/**
 * The artifact path inside a run that an MLflow model `source` names, or undefined when it names
 * none of `runId`'s artifacts. MLflow clients send `runs:/<runId>/<path>`, or the run's artifact
 * URI (`mlflow-artifacts:/<experimentId>/<runId>/artifacts`) followed by the path.
 *
 * @example
 * artifactPathOfSource('runs:/3f…9c/model', '3f…9c');                              // 'model'
 * artifactPathOfSource('mlflow-artifacts:/0/3f…9c/artifacts/model/MLmodel', '3f…9c'); // 'model/MLmodel'
 */
export function artifactPathOfSource(source: string, runId: string): string | undefined {
  const runs = /^runs:\/+([0-9a-f]{32})(?:\/(.*))?$/.exec(source);
  if (runs) return runs[1] === runId ? trim(runs[2] ?? '') : undefined;
  const artifacts = /^mlflow-artifacts:\/+[^/]+\/([0-9a-f]{32})\/artifacts(?:\/(.*))?$/.exec(source);
  if (artifacts) return artifacts[1] === runId ? trim(artifacts[2] ?? '') : undefined;
  return undefined;
}

const trim = (path: string) => path.replace(/^\/+|\/+$/g, '');
