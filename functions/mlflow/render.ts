import type { Experiment } from '#functions/experiments/schema.ts';
import type { LoggedModel } from '#functions/logged-models/schema.ts';
import { type Point, toWire } from '#functions/metrics/point.ts';
import { attributeTagsOf } from '#functions/runs/attribute-tags.ts';
import type { Run } from '#functions/runs/schema.ts';
import { asUserMap } from '#table/user-maps.ts';

/*
 * Cairn's entities in MLflow's wire shapes (protobuf JSON with snake_case names): what MLflow's
 * clients parse. Lists of `{ key, value }` where Cairn has records, string ids, times in ms,
 * NaN and infinities as strings.
 */

/** MLflow keeps an experiment's description in this tag; Cairn keeps it as `description`. */
export const noteTag = 'mlflow.note.content';

const entries = (record: Readonly<Record<string, string>>) =>
  Object.entries(record).map(([key, value]) => ({ key, value }));

export function experimentJson(experiment: Experiment) {
  const tags = asUserMap(experiment.tags);
  if (experiment.description) tags[noteTag] = experiment.description;
  return {
    experiment_id: experiment.id,
    name: experiment.name,
    artifact_location: experiment.artifactLocation,
    lifecycle_stage: experiment.lifecycleStage,
    creation_time: experiment.createdAt,
    last_update_time: experiment.updatedAt,
    tags: entries(tags),
  };
}

export function runInfoJson(run: Run) {
  return {
    run_id: run.id,
    // The deprecated alias, still read by MLflow 2.x clients.
    run_uuid: run.id,
    run_name: run.name,
    experiment_id: run.experimentId,
    user_id: run.user,
    status: run.status,
    start_time: run.startTime,
    ...(run.endTime === null ? {} : { end_time: run.endTime }),
    artifact_uri: run.artifactUri,
    lifecycle_stage: run.lifecycleStage,
  };
}

/** A full run. `inputs` and `outputs` are always objects: MLflow 3 clients read them unguarded. */
export function runJson(run: Run) {
  return {
    info: runInfoJson(run),
    data: {
      metrics: Object.entries(run.metrics).map(([key, latest]) => ({
        key,
        value: latest.value,
        timestamp: latest.timestamp,
        step: latest.step,
      })),
      params: entries(run.params),
      tags: entries({ ...run.tags, ...attributeTagsOf(run) }),
    },
    inputs: {
      dataset_inputs: run.inputs.datasets.map((input) => ({
        tags: entries(input.tags),
        dataset: {
          name: input.name,
          digest: input.digest,
          source_type: input.sourceType,
          source: input.source,
          ...(input.schema === undefined ? {} : { schema: input.schema }),
          ...(input.profile === undefined ? {} : { profile: input.profile }),
        },
      })),
      model_inputs: run.inputs.models.map(({ modelId }) => ({ model_id: modelId })),
    },
    outputs: {
      model_outputs: run.outputs.models.map(({ modelId, step }) => ({ model_id: modelId, step })),
    },
  };
}

export function metricJson(key: string, point: Point, runId?: string) {
  return {
    key,
    value: toWire(point.value),
    timestamp: point.timestamp,
    step: point.step,
    ...(runId === undefined ? {} : { run_id: runId }),
  };
}

export function loggedModelJson(model: LoggedModel) {
  const optional = (name: string, value: string | null) => (value === null ? {} : { [name]: value });
  return {
    info: {
      model_id: model.id,
      experiment_id: model.experimentId,
      name: model.name,
      creation_timestamp_ms: model.createdAt,
      last_updated_timestamp_ms: model.updatedAt,
      artifact_uri: model.artifactUri,
      status: model.status,
      ...optional('model_type', model.modelType),
      ...optional('source_run_id', model.sourceRunId),
      ...optional('status_message', model.statusMessage),
      tags: entries(model.tags),
      registrations: [],
    },
    data: {
      params: entries(model.params),
      metrics: model.metrics.map((metric) => ({
        key: metric.key,
        value: metric.value,
        timestamp: metric.timestamp,
        step: metric.step,
        model_id: model.id,
        ...optional('run_id', metric.runId),
        ...optional('dataset_name', metric.datasetName),
        ...optional('dataset_digest', metric.datasetDigest),
      })),
    },
  };
}
