import { request } from './transport';
import type { ArtifactEntry, ArtifactListing } from './types';
import type { WireArtifactListing, WireDownloadUrl } from './wire';

const lastSegment = (path: string) => path.split('/').filter(Boolean).pop() ?? path;

/** One folder of a run's artifacts: folders (with sizes) first, then files. */
export async function listArtifacts(
  runId: string,
  path: string,
  options: { pageToken?: string; signal?: AbortSignal } = {},
): Promise<ArtifactListing> {
  const answer = await request<WireArtifactListing>('GET', `/runs/${encodeURIComponent(runId)}/artifacts`, {
    query: { path, maxResults: 1000, pageToken: options.pageToken },
    signal: options.signal,
  });
  return {
    path: answer.path,
    totalSize: answer.totalSize,
    fileCount: answer.fileCount,
    entries: answer.entries.map((entry): ArtifactEntry => ({ ...entry, name: lastSegment(entry.path) })),
    nextPageToken: answer.nextPageToken,
  };
}

/** A short-lived download URL for one artifact file (the bytes come straight from storage). */
export async function artifactDownloadUrl(runId: string, path: string): Promise<string> {
  const answer = await request<{ files: WireDownloadUrl[] }>(
    'GET',
    `/runs/${encodeURIComponent(runId)}/artifacts/urls`,
    {
      query: { path, maxResults: 1 },
    },
  );
  const file = answer.files[0];
  if (!file) throw new Error(`No file at ${path}`);
  return file.url;
}
