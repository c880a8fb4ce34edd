import { describe, expect, test } from 'vitest';
import { artifactPathOfSource } from './source-uri.ts';

const runId = '0123456789abcdef0123456789abcdef';

describe('MLflow model sources (offline)', () => {
  test.each([
    [`runs:/${runId}/model`, 'model'],
    [`runs:/${runId}/models/sk/`, 'models/sk'],
    [`runs:/${runId}`, ''],
    [`mlflow-artifacts:/0/${runId}/artifacts/model`, 'model'],
    [`mlflow-artifacts:/12/${runId}/artifacts`, ''],
  ])('%s is %j of the run', (source, path) => {
    expect(artifactPathOfSource(source, runId)).toBe(path);
  });

  test("a source of another run, or outside any run's artifacts, names nothing", () => {
    expect(artifactPathOfSource(`runs:/${'f'.repeat(32)}/model`, runId)).toBeUndefined();
    expect(artifactPathOfSource('s3://bucket/model', runId)).toBeUndefined();
    expect(artifactPathOfSource('models:/m-0123', runId)).toBeUndefined();
  });
});
