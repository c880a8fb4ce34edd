import { request } from './transport';
import type { Dataset, DatasetUse, DatasetVersion, ManifestFile, Page, VersionDiff } from './types';
import type {
  WireDataset,
  WireDatasetVersion,
  WireDownloadUrl,
  WireManifestFile,
  WireRunInput,
  WireVersionDiff,
} from './wire';

const name = (dataset: string) => encodeURIComponent(dataset);
const version = (ref: string | number) => encodeURIComponent(String(ref));

// Datasets and versions arrive in their view shape already; copying keeps the wire out of pages.
const datasetFromWire = (wire: WireDataset): Dataset => ({ ...wire });
const versionFromWire = (wire: WireDatasetVersion): DatasetVersion => ({ ...wire, tags: [...wire.tags] });

/** Every dataset of the tenant, all pages read (tenants hold tens to hundreds). */
export async function listDatasets(signal?: AbortSignal): Promise<Dataset[]> {
  const datasets: Dataset[] = [];
  let pageToken: string | undefined;
  do {
    const answer = await request<{ datasets: WireDataset[]; nextPageToken?: string }>('GET', '/datasets', {
      query: { maxResults: 1000, pageToken },
      signal,
    });
    datasets.push(...answer.datasets.map(datasetFromWire));
    pageToken = answer.nextPageToken;
  } while (pageToken);
  return datasets;
}

export async function getDataset(dataset: string, signal?: AbortSignal): Promise<Dataset> {
  const answer = await request<{ dataset: WireDataset }>('GET', `/datasets/${name(dataset)}`, { signal });
  return datasetFromWire(answer.dataset);
}

export async function listVersions(dataset: string, signal?: AbortSignal): Promise<DatasetVersion[]> {
  const versions: DatasetVersion[] = [];
  let pageToken: string | undefined;
  do {
    const answer = await request<{ versions: WireDatasetVersion[]; nextPageToken?: string }>(
      'GET',
      `/datasets/${name(dataset)}/versions`,
      { query: { maxResults: 1000, pageToken }, signal },
    );
    versions.push(...answer.versions.map(versionFromWire));
    pageToken = answer.nextPageToken;
  } while (pageToken);
  return versions;
}

/** A version (number, `latest` or tag) and one page of its files. */
export async function getVersion(
  dataset: string,
  ref: string | number,
  options: { pageToken?: string; signal?: AbortSignal } = {},
): Promise<{ version: DatasetVersion; files: Page<ManifestFile> }> {
  const answer = await request<{
    version: WireDatasetVersion;
    files: WireManifestFile[];
    nextPageToken?: string;
  }>('GET', `/datasets/${name(dataset)}/versions/${version(ref)}`, {
    query: { maxResults: 5000, pageToken: options.pageToken },
    signal: options.signal,
  });
  return {
    version: versionFromWire(answer.version),
    files: { items: answer.files, nextPageToken: answer.nextPageToken },
  };
}

export async function fileDownloadUrl(dataset: string, ref: string | number, path: string): Promise<string> {
  const answer = await request<{ files: WireDownloadUrl[] }>(
    'POST',
    `/datasets/${name(dataset)}/versions/${version(ref)}/urls`,
    { body: { paths: [path], maxResults: 1 } },
  );
  const file = answer.files[0];
  if (!file) throw new Error(`No file at ${path}`);
  return file.url;
}

export async function diffVersions(
  dataset: string,
  from: string | number,
  to: string | number,
  signal?: AbortSignal,
): Promise<VersionDiff> {
  const answer = await request<WireVersionDiff>('GET', `/datasets/${name(dataset)}/diff`, {
    query: { from: String(from), to: String(to) },
    signal,
  });
  return { ...answer, from: versionFromWire(answer.from), to: versionFromWire(answer.to) };
}

/** The runs that declared they used this version. */
export async function versionRuns(
  dataset: string,
  ref: string | number,
  signal?: AbortSignal,
): Promise<DatasetUse[]> {
  const answer = await request<{ runs: WireRunInput[] }>(
    'GET',
    `/datasets/${name(dataset)}/versions/${version(ref)}/runs`,
    { signal },
  );
  return answer.runs;
}

/** The dataset versions a run declared it used. */
export async function runInputs(runId: string, signal?: AbortSignal): Promise<DatasetUse[]> {
  const answer = await request<{ inputs: WireRunInput[] }>(
    'GET',
    `/runs/${encodeURIComponent(runId)}/inputs`,
    { signal },
  );
  return answer.inputs;
}

export async function setVersionTag(dataset: string, tag: string, ref: number): Promise<void> {
  await request('PUT', `/datasets/${name(dataset)}/tags/${encodeURIComponent(tag)}`, {
    body: { version: ref },
  });
}

export async function deleteVersionTag(dataset: string, tag: string): Promise<void> {
  await request('DELETE', `/datasets/${name(dataset)}/tags/${encodeURIComponent(tag)}`);
}
