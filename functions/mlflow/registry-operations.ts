import { z } from 'zod';
import { actorOf } from '#functions/events/schema.ts';
import { Description, EntryKey, TagValue } from '#functions/experiments/fields.ts';
import {
  AliasName,
  type Model,
  ModelName,
  type ModelVersion,
  Stage,
  VersionNumber,
} from '#functions/models/schema.ts';
import { searchModels, searchVersions } from '#functions/models/search.ts';
import * as Models from '#functions/models/store.ts';
import * as Versions from '#functions/models/versions.ts';
import { RunId } from '#functions/runs/schema.ts';
import * as Runs from '#functions/runs/store.ts';
import { operation } from '#http/operation.ts';
import { sourceLocation } from './artifact-location.ts';
import { Int64, OneString, repeated, TagList, toRecord, WireModelId } from './wire.ts';

/*
 * MLflow's model registry over Cairn's: the same models, versions, stages and aliases, with the
 * same events, whichever API changes them. Versions are numbered strings on MLflow's wire.
 */

const entries = (record: Readonly<Record<string, string>>) =>
  Object.entries(record).map(([key, value]) => ({ key, value }));

/** MLflow 3 registers logged models by `models:/<model id>`; the version carries that id. */
const modelIdOf = (source: string) => /^models:\/(m-[0-9a-f]{32})\/?$/.exec(source)?.[1];

function versionJson(version: ModelVersion) {
  const modelId = modelIdOf(version.source);
  return {
    name: version.name,
    version: String(version.version),
    creation_timestamp: version.createdAt,
    last_updated_timestamp: version.updatedAt,
    user_id: version.createdBy,
    current_stage: version.stage,
    description: version.description,
    source: version.source,
    run_id: version.runId,
    status: version.status,
    status_message: '',
    tags: entries(version.tags),
    run_link: '',
    aliases: version.aliases,
    ...(modelId ? { model_id: modelId } : {}),
  };
}

function modelJson(model: Model, latest: ModelVersion[] = []) {
  return {
    name: model.name,
    creation_timestamp: model.createdAt,
    last_updated_timestamp: model.updatedAt,
    user_id: model.createdBy,
    description: model.description,
    latest_versions: latest.map(versionJson),
    tags: entries(model.tags),
    aliases: Object.entries(model.aliases).map(([alias, version]) => ({ alias, version: String(version) })),
  };
}

/** MLflow sends versions as strings ("1"), some clients as numbers; the registry's schema takes both. */
const WireVersion = VersionNumber;
const AboutModel = z.object({ name: ModelName });
const AboutVersion = AboutModel.extend({ version: WireVersion });

/** MLflow clients ask for up to 200,000 versions at once; Cairn answers in pages of at most 1,000. */
const PageSize = (fallback: number) =>
  Int64.optional().transform((value) => Math.max(1, Math.min(value ?? fallback, 1000)));

const searchFields = (defaultPage: number) => ({
  filter: OneString.optional(),
  max_results: PageSize(defaultPage),
  order_by: repeated(z.string().max(500)).optional(),
  page_token: OneString.optional(),
});
const searchRequest = (request: {
  filter?: string | undefined;
  max_results: number;
  order_by?: string[] | undefined;
  page_token?: string | undefined;
}) => ({
  maxResults: request.max_results,
  ...(request.filter ? { filter: request.filter } : {}),
  ...(request.order_by?.length ? { orderBy: request.order_by } : {}),
  ...(request.page_token ? { pageToken: request.page_token } : {}),
});

const LatestVersions = AboutModel.extend({ stages: repeated(Stage).optional() });

async function latest(tenantId: string, request: z.output<typeof LatestVersions>) {
  const versions = await Versions.latestVersions(tenantId, request.name, request.stages);
  return { model_versions: versions.map(versionJson) };
}

/** MLflow accepts stage names in any case (`production`). */
const stages: Record<string, string> = {
  none: 'None',
  staging: 'Staging',
  production: 'Production',
  archived: 'Archived',
};

/** MLflow's `{}` reply to a write. */
const done = {};

export const registryOperations = {
  mlflowCreateRegisteredModel: operation({
    summary: 'MLflow CreateRegisteredModel: a taken name is RESOURCE_ALREADY_EXISTS',
    body: AboutModel.extend({ tags: TagList.optional(), description: Description.optional() }),
    handle: async ({ caller, body }) => {
      const input = {
        name: body.name,
        tags: toRecord(body.tags),
        ...(body.description ? { description: body.description } : {}),
      };
      return {
        registered_model: modelJson(await Models.createModel(caller.tenantId, input, actorOf(caller))),
      };
    },
  }),

  mlflowGetRegisteredModel: operation({
    summary: 'MLflow GetRegisteredModel, with its aliases and latest version per stage',
    query: AboutModel,
    handle: async ({ caller, query }) => {
      const [model, latestVersions] = await Promise.all([
        Models.getModel(caller.tenantId, query.name),
        Versions.latestVersions(caller.tenantId, query.name),
      ]);
      return { registered_model: modelJson(model, latestVersions) };
    },
  }),

  mlflowRenameRegisteredModel: operation({
    summary: 'MLflow RenameRegisteredModel: versions and aliases follow',
    body: AboutModel.extend({ new_name: ModelName }),
    handle: async ({ caller, body }) => ({
      registered_model: modelJson(
        await Models.updateModel(caller.tenantId, body.name, { name: body.new_name }, actorOf(caller)),
      ),
    }),
  }),

  mlflowUpdateRegisteredModel: operation({
    summary: 'MLflow UpdateRegisteredModel (description)',
    body: AboutModel.extend({ description: Description.optional() }),
    handle: async ({ caller, body }) => ({
      registered_model: modelJson(
        await Models.updateModel(
          caller.tenantId,
          body.name,
          { description: body.description ?? '' },
          actorOf(caller),
        ),
      ),
    }),
  }),

  mlflowDeleteRegisteredModel: operation({
    summary: 'MLflow DeleteRegisteredModel (a JSON body on DELETE)',
    body: AboutModel,
    handle: async ({ caller, body }) => {
      await Models.deleteModel(caller.tenantId, body.name, actorOf(caller));
      return done;
    },
  }),

  mlflowSearchRegisteredModels: operation({
    summary: 'MLflow SearchRegisteredModels: name and tag filters, ordered by name by default',
    query: z.object(searchFields(100)).transform(searchRequest),
    handle: async ({ caller, query }) => {
      const { models, nextPageToken } = await searchModels(caller.tenantId, query);
      return {
        registered_models: models.map((model) => modelJson(model)),
        ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
      };
    },
  }),

  mlflowGetLatestVersions: operation({
    summary: 'MLflow GetLatestVersions: the newest version in each stage (or the stages named)',
    body: LatestVersions,
    handle: ({ caller, body }) => latest(caller.tenantId, body),
  }),

  mlflowGetLatestVersionsGet: operation({
    summary: 'MLflow GetLatestVersions, with the request in the query string',
    query: LatestVersions,
    handle: ({ caller, query }) => latest(caller.tenantId, query),
  }),

  mlflowSetRegisteredModelTag: operation({
    summary: 'MLflow SetRegisteredModelTag',
    body: AboutModel.extend({ key: EntryKey, value: TagValue }),
    handle: async ({ caller, body }) => {
      await Models.updateModel(
        caller.tenantId,
        body.name,
        { tags: { [body.key]: body.value } },
        actorOf(caller),
      );
      return done;
    },
  }),

  mlflowDeleteRegisteredModelTag: operation({
    summary: 'MLflow DeleteRegisteredModelTag (a JSON body on DELETE)',
    body: AboutModel.extend({ key: EntryKey }),
    handle: async ({ caller, body }) => {
      await Models.updateModel(caller.tenantId, body.name, { tags: { [body.key]: null } }, actorOf(caller));
      return done;
    },
  }),

  mlflowSetRegisteredModelAlias: operation({
    summary: 'MLflow SetRegisteredModelAlias: moves the alias if it exists',
    body: AboutModel.extend({ alias: AliasName, version: WireVersion }),
    handle: async ({ caller, body }) => {
      await Models.setAlias(caller.tenantId, body.name, body.alias, body.version, actorOf(caller));
      return done;
    },
  }),

  mlflowDeleteRegisteredModelAlias: operation({
    summary: 'MLflow DeleteRegisteredModelAlias (a JSON body on DELETE)',
    body: AboutModel.extend({ alias: AliasName }),
    handle: async ({ caller, body }) => {
      await Models.removeAlias(caller.tenantId, body.name, body.alias, actorOf(caller));
      return done;
    },
  }),

  mlflowGetModelVersionByAlias: operation({
    summary: 'MLflow GetModelVersionByAlias',
    query: AboutModel.extend({ alias: AliasName }),
    handle: async ({ caller, query }) => ({
      model_version: versionJson(await Models.versionByAlias(caller.tenantId, query.name, query.alias)),
    }),
  }),

  mlflowCreateModelVersion: operation({
    summary:
      'MLflow CreateModelVersion from a runs:/, models:/ or mlflow-artifacts:/ source; READY at once, so clients do not poll',
    body: AboutModel.extend({
      source: z.string().min(1).max(2000),
      run_id: RunId.optional(),
      model_id: WireModelId.optional(),
      tags: TagList.optional(),
      run_link: z.string().optional(),
      description: Description.optional(),
    }),
    handle: async ({ caller, body }) => {
      const { runId, path } = await sourceLocation(caller.tenantId, body.source, body.model_id);
      const version = await Versions.createVersion(
        caller.tenantId,
        body.name,
        {
          runId,
          artifactPath: path,
          source: body.source,
          tags: toRecord(body.tags),
          ...(body.description ? { description: body.description } : {}),
        },
        actorOf(caller),
      );
      return { model_version: versionJson(version) };
    },
  }),

  mlflowGetModelVersion: operation({
    summary: 'MLflow GetModelVersion',
    query: AboutVersion,
    handle: async ({ caller, query }) => ({
      model_version: versionJson(await Versions.getVersion(caller.tenantId, query.name, query.version)),
    }),
  }),

  mlflowUpdateModelVersion: operation({
    summary: 'MLflow UpdateModelVersion (description)',
    body: AboutVersion.extend({ description: Description.optional() }),
    handle: async ({ caller, body }) => ({
      model_version: versionJson(
        await Versions.updateVersion(
          caller.tenantId,
          body.name,
          body.version,
          { description: body.description ?? '' },
          actorOf(caller),
        ),
      ),
    }),
  }),

  mlflowDeleteModelVersion: operation({
    summary: 'MLflow DeleteModelVersion (a JSON body on DELETE)',
    body: AboutVersion,
    handle: async ({ caller, body }) => {
      await Versions.deleteVersion(caller.tenantId, body.name, body.version, actorOf(caller));
      return done;
    },
  }),

  mlflowTransitionModelVersionStage: operation({
    summary: 'MLflow TransitionModelVersionStage (the legacy stages)',
    body: AboutVersion.extend({
      stage: z
        .string()
        .transform((stage) => stages[stage.toLowerCase()] ?? stage)
        .pipe(Stage),
      archive_existing_versions: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
    }),
    handle: async ({ caller, body }) => ({
      model_version: versionJson(
        await Versions.transitionStage(
          caller.tenantId,
          body.name,
          body.version,
          {
            stage: body.stage,
            archiveExistingVersions:
              body.archive_existing_versions === true || body.archive_existing_versions === 'true',
          },
          actorOf(caller),
        ),
      ),
    }),
  }),

  mlflowSearchModelVersions: operation({
    summary: 'MLflow SearchModelVersions: name, run_id and tag filters',
    query: z.object(searchFields(1000)).transform(searchRequest),
    handle: async ({ caller, query }) => {
      const { versions, nextPageToken } = await searchVersions(caller.tenantId, query);
      return {
        model_versions: versions.map(versionJson),
        ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
      };
    },
  }),

  mlflowGetModelVersionDownloadUri: operation({
    summary: "MLflow GetModelVersionDownloadUri: the version's files, as an mlflow-artifacts:/ URI",
    query: AboutVersion,
    handle: async ({ caller, query }) => {
      const version = await Versions.getVersion(caller.tenantId, query.name, query.version);
      const run = await Runs.getRun(caller.tenantId, version.runId);
      const path = version.artifactPath ? `/${version.artifactPath}` : '';
      return { artifact_uri: `${run.artifactUri}${path}` };
    },
  }),

  mlflowSetModelVersionTag: operation({
    summary: 'MLflow SetModelVersionTag',
    body: AboutVersion.extend({ key: EntryKey, value: TagValue }),
    handle: async ({ caller, body }) => {
      const tags = { [body.key]: body.value };
      await Versions.updateVersion(caller.tenantId, body.name, body.version, { tags }, actorOf(caller));
      return done;
    },
  }),

  mlflowDeleteModelVersionTag: operation({
    summary: 'MLflow DeleteModelVersionTag (a JSON body on DELETE)',
    body: AboutVersion.extend({ key: EntryKey }),
    handle: async ({ caller, body }) => {
      const tags = { [body.key]: null };
      await Versions.updateVersion(caller.tenantId, body.name, body.version, { tags }, actorOf(caller));
      return done;
    },
  }),
};
