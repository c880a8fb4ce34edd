import type { ApiKey, Experiment, LatestMetric, MetricPoint, Run, RunStatus } from './types';
import type { WireApiKey, WireExperiment, WireNumber, WirePoint, WireRun } from './wire';

/**
 * A map keyed by what users type (params, tags, metric names, aliases) as a null-prototype object:
 * the views index it by those keys, and `toString` or `constructor` must not find Object.prototype's.
 */
export function keyedFromWire<V>(entries: Iterable<readonly [string, V]> = []): Record<string, V> {
  const map = Object.create(null) as Record<string, V>;
  for (const [key, value] of entries) map[key] = value;
  return map;
}

/** JSON cannot carry NaN or infinities; the API spells them as strings. */
export function numberFromWire(value: WireNumber): number {
  if (typeof value === 'number') return value;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}

const dateOrNull = (text: string | null) => (text ? new Date(text) : null);

export function apiKeyFromWire(wire: WireApiKey): ApiKey {
  return {
    ...wire,
    createdAt: new Date(wire.createdAt),
    lastUsedAt: dateOrNull(wire.lastUsedAt),
    revokedAt: dateOrNull(wire.revokedAt),
    active: wire.revokedAt === null,
  };
}

export function experimentFromWire(wire: WireExperiment): Experiment {
  return {
    id: wire.id,
    name: wire.name,
    description: wire.description,
    lifecycleStage: wire.lifecycleStage,
    tags: keyedFromWire(Object.entries(wire.tags)),
    createdAt: wire.createdAt,
    updatedAt: wire.updatedAt,
    runCount: wire.runCount ?? 0,
    lastRunAt: wire.lastRunAt ?? null,
  };
}

const noteTag = 'mlflow.note.content';

export function runFromWire(wire: WireRun, now = Date.now()): Run {
  const tags = keyedFromWire<string>();
  const systemTags = keyedFromWire<string>();
  for (const [key, value] of Object.entries(wire.tags)) {
    if (key.startsWith('mlflow.')) systemTags[key] = value;
    else tags[key] = value;
  }
  const metrics = keyedFromWire<LatestMetric>();
  for (const [key, latest] of Object.entries(wire.metrics)) {
    metrics[key] = { value: numberFromWire(latest.value), step: latest.step, timestamp: latest.timestamp };
  }
  const running = wire.status === 'RUNNING' && wire.endTime === null;
  return {
    id: wire.id,
    experimentId: wire.experimentId,
    name: wire.name,
    status: wire.status as RunStatus,
    startTime: wire.startTime,
    endTime: wire.endTime,
    durationMs: wire.endTime !== null ? wire.endTime - wire.startTime : running ? now - wire.startTime : null,
    lifecycleStage: wire.lifecycleStage,
    user: wire.user,
    parentRunId: wire.parentRunId,
    artifactUri: wire.artifactUri,
    params: keyedFromWire(Object.entries(wire.params)),
    tags,
    systemTags,
    notes: systemTags[noteTag] ?? '',
    metrics,
  };
}

export { noteTag };

export function pointsFromWire(points: WirePoint[]): MetricPoint[] {
  return points.map((point) => ({
    step: point.step,
    timestamp: point.timestamp,
    value: numberFromWire(point.value),
  }));
}
