import * as Runs from '#functions/runs/store.ts';
import { pageBudgetBytes, responseTooLarge, wireBytes } from '#http/response-budget.ts';
import { requireModel, requireVersion, toVersion } from './model-items.ts';
import type { Lineage, ModelVersion } from './schema.ts';
import { datasetsOfRun, runsOfDatasetVersion } from './sources.ts';
import { versionsOfRun } from './versions.ts';

/**
 * Where a version came from, in one answer: its run (params, final metrics, tags) and the dataset
 * versions that run declared as inputs. Read live, so inputs a run records later show up too.
 */
export async function lineageOf(tenantId: string, name: string, version: number): Promise<Lineage> {
  const model = await requireModel(tenantId, name);
  const item = await requireVersion(tenantId, model, version);
  const [run, datasets] = await Promise.all([
    Runs.getRun(tenantId, item.runId),
    datasetsOfRun(tenantId, item.runId),
  ]);
  // The run is one item (under 400 KB); its inputs are not bounded, and this answer does not page.
  if (wireBytes(datasets) > pageBudgetBytes / 2) {
    throw responseTooLarge(
      `The lineage of version ${version} (${datasets.length} dataset inputs)`,
      `page through the run's inputs with GET /api/v1/runs/${item.runId}/inputs`,
      { runId: item.runId, inputs: datasets.length },
    );
  }
  return {
    version: toVersion(item, model),
    run: {
      id: run.id,
      name: run.name,
      experimentId: run.experimentId,
      status: run.status,
      user: run.user,
      startTime: run.startTime,
      endTime: run.endTime,
      lifecycleStage: run.lifecycleStage,
      params: run.params,
      metrics: run.metrics,
      tags: run.tags,
    },
    datasets,
  };
}

/**
 * The other way: the live model versions trained on a dataset version, i.e. made from a run that
 * used it (the datasets' run index, then each run's model versions).
 */
export async function versionsTrainedOn(
  tenantId: string,
  dataset: string,
  ref: string,
): Promise<{ dataset: string; datasetVersion: number; versions: ModelVersion[] }> {
  const { version, runIds } = await runsOfDatasetVersion(tenantId, dataset, ref);
  const perRun = await Promise.all(runIds.map((runId) => versionsOfRun(tenantId, runId)));
  const versions = perRun.flat().sort((a, b) => a.name.localeCompare(b.name) || b.version - a.version);
  return { dataset, datasetVersion: version, versions };
}
