import { z } from 'zod';
import { offsetPage } from '#functions/search/offset-page.ts';
import { operation } from '#http/operation.ts';
import {
  CommitVersionBody,
  CreateDatasetBody,
  Dataset,
  DatasetPath,
  DatasetVersion,
  DiffQuery,
  DownloadUrl,
  FilesQuery,
  LineagePageQuery,
  ManifestFile,
  PageQuery,
  RunInput,
  RunInputBody,
  RunPath,
  TagBody,
  TagPath,
  UpdateDatasetBody,
  VersionDiff,
  VersionPath,
  VersionUrlsBody,
} from './schema.ts';
import * as Datasets from './store.ts';

const One = z.object({ dataset: Dataset });

export const operations = {
  createDataset: operation({
    summary: 'Create a dataset (names are unique per tenant); a first push creates one too',
    body: CreateDatasetBody,
    status: 201,
    response: One,
    handle: async ({ caller, body }) => ({
      dataset: await Datasets.createDataset(caller.tenantId, body, caller.principal),
    }),
  }),

  listDatasets: operation({
    summary: "The tenant's datasets, by name",
    query: PageQuery,
    response: z.object({ datasets: z.array(Dataset), nextPageToken: z.string().optional() }),
    handle: ({ caller, query }) => Datasets.listDatasets(caller.tenantId, query),
  }),

  getDataset: operation({
    summary: 'One dataset, with its latest version number and digest',
    path: DatasetPath,
    response: One,
    handle: async ({ caller, path }) => ({
      dataset: await Datasets.getDataset(caller.tenantId, path.datasetName),
    }),
  }),

  updateDataset: operation({
    summary: "Set a dataset's description or tags (a null tag value deletes the tag)",
    path: DatasetPath,
    body: UpdateDatasetBody,
    response: One,
    handle: async ({ caller, path, body }) => ({
      dataset: await Datasets.updateDataset(caller.tenantId, path.datasetName, body),
    }),
  }),

  commitVersion: operation({
    summary:
      'Record a version from uploaded files (path, sha256, size); content identical to the latest version makes none (created: false)',
    path: DatasetPath,
    body: CommitVersionBody,
    response: z.object({ created: z.boolean(), version: DatasetVersion }),
    handle: ({ caller, path, body }) =>
      Datasets.commitVersion(caller.tenantId, path.datasetName, body, caller.principal),
  }),

  listVersions: operation({
    summary: "A dataset's versions, newest first, with their tags",
    path: DatasetPath,
    query: PageQuery,
    response: z.object({ versions: z.array(DatasetVersion), nextPageToken: z.string().optional() }),
    handle: ({ caller, path, query }) => Datasets.listVersions(caller.tenantId, path.datasetName, query),
  }),

  getVersion: operation({
    summary: 'One version (a number, "latest" or a tag) with a page of its manifest',
    path: VersionPath,
    query: FilesQuery,
    response: z.object({
      version: DatasetVersion,
      files: z.array(ManifestFile),
      nextPageToken: z.string().optional(),
    }),
    handle: ({ caller, path, query }) =>
      Datasets.getVersion(caller.tenantId, path.datasetName, path.version, query),
  }),

  versionUrls: operation({
    summary: 'Presigned download URLs for some or all files of a version',
    path: VersionPath,
    body: VersionUrlsBody,
    response: z.object({
      version: z.number(),
      files: z.array(DownloadUrl),
      expiresAt: z.number(),
      nextPageToken: z.string().optional(),
    }),
    handle: ({ caller, path, body }) =>
      Datasets.versionUrls(caller.tenantId, path.datasetName, path.version, body),
  }),

  diffVersions: operation({
    summary: 'Files added, removed and changed between two versions, paged in path order',
    path: DatasetPath,
    query: DiffQuery,
    response: VersionDiff,
    handle: ({ caller, path, query }) =>
      Datasets.diffVersions(caller.tenantId, path.datasetName, query.from, query.to, query),
  }),

  setVersionTag: operation({
    summary: 'Point a tag (golden, v1.0) at a version, moving it if it pointed elsewhere',
    path: TagPath,
    body: TagBody,
    response: z.object({ tag: z.string(), version: z.number() }),
    handle: ({ caller, path, body }) =>
      Datasets.setTag(caller.tenantId, path.datasetName, path.tag, body.version),
  }),

  deleteVersionTag: operation({
    summary: 'Remove a version tag',
    path: TagPath,
    response: z.object({}),
    handle: async ({ caller, path }) => {
      await Datasets.deleteTag(caller.tenantId, path.datasetName, path.tag);
      return {};
    },
  }),

  versionRuns: operation({
    summary: 'The runs that used a dataset version (lineage), paged',
    path: VersionPath,
    query: LineagePageQuery,
    response: z.object({
      version: z.number(),
      runs: z.array(RunInput),
      nextPageToken: z.string().optional(),
    }),
    handle: async ({ caller, path, query }) => {
      const { version, runs } = await Datasets.versionRuns(caller.tenantId, path.datasetName, path.version);
      const page = offsetPage(runs, { ...query, query: ['version-runs', path.datasetName, version] });
      return {
        version,
        runs: page.items,
        ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
      };
    },
  }),

  logRunInput: operation({
    summary: 'Declare that a run used a dataset version, with a context such as training or evaluation',
    path: RunPath,
    body: RunInputBody,
    status: 201,
    response: z.object({ input: RunInput }),
    handle: async ({ caller, path, body }) => ({
      input: await Datasets.recordRunInput(caller.tenantId, path.runId, body),
    }),
  }),

  listRunInputs: operation({
    summary: 'The dataset versions a run used (lineage), paged',
    path: RunPath,
    query: LineagePageQuery,
    response: z.object({ inputs: z.array(RunInput), nextPageToken: z.string().optional() }),
    handle: async ({ caller, path, query }) => {
      const inputs = await Datasets.runInputs(caller.tenantId, path.runId);
      const page = offsetPage(inputs, { ...query, query: ['run-inputs', path.runId] });
      return { inputs: page.items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
    },
  }),
};
