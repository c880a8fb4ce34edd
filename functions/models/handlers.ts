import { z } from 'zod';
import { actorOf } from '#functions/events/schema.ts';
import { operation } from '#http/operation.ts';
import { lineageOf } from './lineage.ts';
import { parseModelUri, parseRef, resolveVersion } from './resolve.ts';
import {
  AliasPath,
  CreateModelBody,
  CreateVersionBody,
  Lineage,
  ListVersionsQuery,
  Model,
  ModelPath,
  ModelVersion,
  ModelVersionWithFiles,
  ProtectedAliasesBody,
  Resolved,
  ResolveQuery,
  ResolveUriQuery,
  SearchModelsQuery,
  SearchVersionsQuery,
  SetAliasBody,
  StageBody,
  UpdateModelBody,
  UpdateVersionBody,
  VersionPath,
} from './schema.ts';
import { searchModels, searchVersions } from './search.ts';
import * as Models from './store.ts';
import * as Versions from './versions.ts';

const OneModel = z.object({ model: Model });
const OneVersion = z.object({ version: ModelVersion });

export const operations = {
  createModel: operation({
    summary: 'Register a model name (unique per tenant)',
    body: CreateModelBody,
    status: 201,
    response: OneModel,
    handle: async ({ caller, body }) => ({
      model: await Models.createModel(caller.tenantId, body, actorOf(caller)),
    }),
  }),

  searchModels: operation({
    summary: "Search registered models (MLflow's filter grammar on name and tags)",
    query: SearchModelsQuery,
    response: z.object({ models: z.array(Model), nextPageToken: z.string().optional() }),
    handle: ({ caller, query }) => searchModels(caller.tenantId, query),
  }),

  getModel: operation({
    summary: 'One registered model with its aliases and the latest version in each stage',
    path: ModelPath,
    response: OneModel.extend({ latestVersions: z.array(ModelVersion) }),
    handle: async ({ caller, path }) => {
      const [model, latestVersions] = await Promise.all([
        Models.getModel(caller.tenantId, path.name),
        Versions.latestVersions(caller.tenantId, path.name),
      ]);
      return { model, latestVersions };
    },
  }),

  updateModel: operation({
    summary: 'Rename a model, change its description, set or delete (null) tags',
    path: ModelPath,
    body: UpdateModelBody,
    response: OneModel,
    handle: async ({ caller, path, body }) => ({
      model: await Models.updateModel(caller.tenantId, path.name, body, actorOf(caller)),
    }),
  }),

  deleteModel: operation({
    summary: 'Delete a model (soft: its versions and files stay; its name is freed)',
    path: ModelPath,
    response: OneModel,
    handle: async ({ caller, path }) => ({
      model: await Models.deleteModel(caller.tenantId, path.name, actorOf(caller)),
    }),
  }),

  setProtectedAliases: operation({
    summary: 'Set the aliases of a model that only admin keys may set, move or remove (a promotion gate)',
    path: ModelPath,
    body: ProtectedAliasesBody,
    response: OneModel,
    handle: async ({ caller, path, body }) => ({
      model: await Models.setProtectedAliases(caller.tenantId, path.name, body.aliases, actorOf(caller)),
    }),
  }),

  createVersion: operation({
    summary:
      "Register the next version of a model from a run's artifact path; its files are referenced by digest, not copied",
    path: ModelPath,
    body: CreateVersionBody,
    status: 201,
    response: OneVersion,
    handle: async ({ caller, path, body }) => ({
      version: await Versions.createVersion(caller.tenantId, path.name, body, actorOf(caller)),
    }),
  }),

  listVersions: operation({
    summary: "A model's versions, newest first, optionally in one stage",
    path: ModelPath,
    query: ListVersionsQuery,
    response: z.object({ versions: z.array(ModelVersion), nextPageToken: z.string().optional() }),
    handle: ({ caller, path, query }) => Versions.listVersions(caller.tenantId, path.name, query),
  }),

  getVersion: operation({
    summary: 'One model version with its files (path, sha256, size)',
    path: VersionPath,
    response: z.object({ version: ModelVersionWithFiles }),
    handle: async ({ caller, path }) => ({
      version: await Versions.getVersionWithFiles(caller.tenantId, path.name, path.version),
    }),
  }),

  updateVersion: operation({
    summary: "Change a version's description, set or delete (null) tags",
    path: VersionPath,
    body: UpdateVersionBody,
    response: OneVersion,
    handle: async ({ caller, path, body }) => ({
      version: await Versions.updateVersion(caller.tenantId, path.name, path.version, body, actorOf(caller)),
    }),
  }),

  deleteVersion: operation({
    summary: 'Delete a version (soft); aliases pointing at it are removed with it',
    path: VersionPath,
    response: OneVersion,
    handle: async ({ caller, path }) => ({
      version: await Versions.deleteVersion(caller.tenantId, path.name, path.version, actorOf(caller)),
    }),
  }),

  transitionStage: operation({
    summary:
      'Move a version to a stage (None, Staging, Production, Archived), optionally archiving the versions that held it',
    path: VersionPath,
    body: StageBody,
    response: OneVersion,
    handle: async ({ caller, path, body }) => ({
      version: await Versions.transitionStage(
        caller.tenantId,
        path.name,
        path.version,
        body,
        actorOf(caller),
      ),
    }),
  }),

  getLineage: operation({
    summary: "A version's run (params, final metrics, tags) and the dataset versions the run used",
    path: VersionPath,
    response: z.object({ lineage: Lineage }),
    handle: async ({ caller, path }) => ({
      lineage: await lineageOf(caller.tenantId, path.name, path.version),
    }),
  }),

  setAlias: operation({
    summary: 'Point an alias at a version (set or move); protected aliases need an admin key',
    path: AliasPath,
    body: SetAliasBody,
    response: OneVersion,
    handle: async ({ caller, path, body }) => ({
      version: await Models.setAlias(caller.tenantId, path.name, path.alias, body.version, actorOf(caller)),
    }),
  }),

  removeAlias: operation({
    summary: 'Remove an alias; protected aliases need an admin key',
    path: AliasPath,
    response: OneModel,
    handle: async ({ caller, path }) => ({
      model: await Models.removeAlias(caller.tenantId, path.name, path.alias, actorOf(caller)),
    }),
  }),

  resolveModel: operation({
    summary:
      'Resolve an alias, version number or "latest" to the version, its run, and its files with digests and short-lived download URLs',
    path: ModelPath,
    query: ResolveQuery,
    response: Resolved,
    handle: ({ caller, path, query }) => resolveVersion(caller.tenantId, path.name, parseRef(query.ref)),
  }),

  resolveModelUri: operation({
    summary: 'Resolve models/<name>@<alias> (or models:/<name>/<version>) like the model resolve route',
    query: ResolveUriQuery,
    response: Resolved,
    handle: ({ caller, query }) => {
      const { name, ref } = parseModelUri(query.uri);
      return resolveVersion(caller.tenantId, name, ref);
    },
  }),

  searchModelVersions: operation({
    summary:
      "Model versions across models: by MLflow's filter grammar, by run (runId), or trained on a dataset version (dataset, datasetVersion)",
    query: SearchVersionsQuery,
    response: z.object({ versions: z.array(ModelVersion), nextPageToken: z.string().optional() }),
    handle: ({ caller, query }) => searchVersions(caller.tenantId, query),
  }),
};
