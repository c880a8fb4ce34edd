import { containsPattern } from './filter-literal';
import { experimentFromWire } from './reshape';
import { request } from './transport';
import type { Experiment, ViewType } from './types';
import type { WireExperiment } from './wire';

const pageSize = 1000;

/**
 * Every experiment matching a name search, all pages read: tenants hold tens or hundreds of
 * experiments, and the list sorts on columns (run count, last activity) the server cannot order by.
 */
export async function listExperiments(
  options: { search?: string; viewType?: ViewType; signal?: AbortSignal } = {},
): Promise<Experiment[]> {
  const filter = options.search?.trim() ? `name ILIKE ${containsPattern(options.search.trim())}` : undefined;
  const experiments: Experiment[] = [];
  let pageToken: string | undefined;
  do {
    const answer = await request<{ experiments: WireExperiment[]; nextPageToken?: string }>(
      'GET',
      '/experiments',
      {
        query: { filter, viewType: options.viewType ?? 'active', maxResults: pageSize, pageToken },
        signal: options.signal,
      },
    );
    experiments.push(...answer.experiments.map(experimentFromWire));
    pageToken = answer.nextPageToken;
  } while (pageToken);
  return experiments;
}

export async function getExperiment(id: string, signal?: AbortSignal): Promise<Experiment> {
  const answer = await request<{ experiment: WireExperiment }>(
    'GET',
    `/experiments/${encodeURIComponent(id)}`,
    {
      signal,
    },
  );
  return experimentFromWire(answer.experiment);
}

export async function createExperiment(input: { name: string; description?: string }): Promise<Experiment> {
  const answer = await request<{ experiment: WireExperiment }>('POST', '/experiments', { body: input });
  return experimentFromWire(answer.experiment);
}

export async function updateExperiment(
  id: string,
  changes: { name?: string; description?: string },
): Promise<Experiment> {
  const answer = await request<{ experiment: WireExperiment }>(
    'PATCH',
    `/experiments/${encodeURIComponent(id)}`,
    {
      body: changes,
    },
  );
  return experimentFromWire(answer.experiment);
}

export async function deleteExperiment(id: string): Promise<Experiment> {
  const answer = await request<{ experiment: WireExperiment }>(
    'DELETE',
    `/experiments/${encodeURIComponent(id)}`,
  );
  return experimentFromWire(answer.experiment);
}

export async function restoreExperiment(id: string): Promise<Experiment> {
  const answer = await request<{ experiment: WireExperiment }>(
    'POST',
    `/experiments/${encodeURIComponent(id)}/restore`,
  );
  return experimentFromWire(answer.experiment);
}
