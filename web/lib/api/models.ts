import { containsPattern } from './filter-literal';
import { keyedFromWire, numberFromWire } from './reshape';
import { request } from './transport';
import type { Lineage, Model, ModelStage, ModelVersion, RunStatus } from './types';
import type { WireLineage, WireModel, WireModelVersion, WireNumber } from './wire';

const model = (name: string) => encodeURIComponent(name);

function modelFromWire(wire: WireModel): Model {
  return {
    ...wire,
    tags: keyedFromWire(Object.entries(wire.tags)),
    aliases: keyedFromWire(Object.entries(wire.aliases)),
    protectedAliases: [...wire.protectedAliases],
  };
}

export function versionFromWire(wire: WireModelVersion): ModelVersion {
  return {
    name: wire.name,
    version: wire.version,
    runId: wire.runId,
    artifactPath: wire.artifactPath,
    source: wire.source,
    stage: wire.stage as ModelStage,
    description: wire.description,
    tags: keyedFromWire(Object.entries(wire.tags)),
    aliases: [...wire.aliases].sort(),
    fileCount: wire.fileCount,
    totalSize: wire.totalSize,
    createdAt: wire.createdAt,
    updatedAt: wire.updatedAt,
    createdBy: wire.createdBy,
    files: wire.files ?? [],
  };
}

/** Every registered model whose name contains `search`, all pages read. */
export async function listModels(options: { search?: string; signal?: AbortSignal } = {}): Promise<Model[]> {
  const filter = options.search?.trim() ? `name ILIKE ${containsPattern(options.search.trim())}` : undefined;
  const models: Model[] = [];
  let pageToken: string | undefined;
  do {
    const answer = await request<{ models: WireModel[]; nextPageToken?: string }>('GET', '/models', {
      query: { filter, maxResults: 1000, pageToken },
      signal: options.signal,
    });
    models.push(...answer.models.map(modelFromWire));
    pageToken = answer.nextPageToken;
  } while (pageToken);
  return models;
}

export async function getModel(name: string, signal?: AbortSignal): Promise<Model> {
  const answer = await request<{ model: WireModel }>('GET', `/models/${model(name)}`, { signal });
  return modelFromWire(answer.model);
}

export async function listVersions(name: string, signal?: AbortSignal): Promise<ModelVersion[]> {
  const versions: ModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const answer = await request<{ versions: WireModelVersion[]; nextPageToken?: string }>(
      'GET',
      `/models/${model(name)}/versions`,
      { query: { maxResults: 1000, pageToken }, signal },
    );
    versions.push(...answer.versions.map(versionFromWire));
    pageToken = answer.nextPageToken;
  } while (pageToken);
  return versions;
}

export async function getVersion(name: string, version: number, signal?: AbortSignal): Promise<ModelVersion> {
  const answer = await request<{ version: WireModelVersion }>(
    'GET',
    `/models/${model(name)}/versions/${version}`,
    {
      signal,
    },
  );
  return versionFromWire(answer.version);
}

export async function getLineage(name: string, version: number, signal?: AbortSignal): Promise<Lineage> {
  const answer = await request<{ lineage: WireLineage }>(
    'GET',
    `/models/${model(name)}/versions/${version}/lineage`,
    {
      signal,
    },
  );
  const { run } = answer.lineage;
  return {
    version: versionFromWire(answer.lineage.version),
    run: {
      id: run.id,
      name: run.name,
      experimentId: run.experimentId,
      status: run.status as RunStatus,
      user: run.user,
      startTime: run.startTime,
      endTime: run.endTime,
      params: run.params,
      metrics: Object.fromEntries(
        Object.entries(run.metrics).map(([key, latest]) => [key, numberFromWire(latest.value as WireNumber)]),
      ),
    },
    datasets: answer.lineage.datasets,
  };
}

/** The model versions made from a run's artifacts. */
export async function versionsOfRun(runId: string, signal?: AbortSignal): Promise<ModelVersion[]> {
  const answer = await request<{ versions: WireModelVersion[] }>('GET', '/model-versions', {
    query: { runId, maxResults: 1000 },
    signal,
  });
  return answer.versions.map(versionFromWire);
}

/** The model versions trained on a dataset version. */
export async function versionsOfDataset(
  dataset: string,
  version: number,
  signal?: AbortSignal,
): Promise<ModelVersion[]> {
  const answer = await request<{ versions: WireModelVersion[] }>('GET', '/model-versions', {
    query: { dataset, datasetVersion: String(version), maxResults: 1000 },
    signal,
  });
  return answer.versions.map(versionFromWire);
}

/** Point an alias at a version: sets it, or moves it from the version that held it. */
export async function setAlias(name: string, alias: string, version: number): Promise<ModelVersion> {
  const answer = await request<{ version: WireModelVersion }>(
    'PUT',
    `/models/${model(name)}/aliases/${encodeURIComponent(alias)}`,
    {
      body: { version },
    },
  );
  return versionFromWire(answer.version);
}

export async function removeAlias(name: string, alias: string): Promise<void> {
  await request('DELETE', `/models/${model(name)}/aliases/${encodeURIComponent(alias)}`);
}

export async function transitionStage(
  name: string,
  version: number,
  stage: ModelStage,
  archiveExistingVersions: boolean,
): Promise<ModelVersion> {
  const answer = await request<{ version: WireModelVersion }>(
    'POST',
    `/models/${model(name)}/versions/${version}/stage`,
    {
      body: { stage, archiveExistingVersions },
    },
  );
  return versionFromWire(answer.version);
}
