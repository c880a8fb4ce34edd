import { z } from 'zod';
import { EntryKey, TagValue } from '#functions/experiments/fields.ts';
import {
  CreateExperimentBody,
  ExperimentName,
  ListExperimentsQuery,
  UpdateExperimentBody,
} from '#functions/experiments/schema.ts';
import { searchExperiments } from '#functions/experiments/search.ts';
import * as Experiments from '#functions/experiments/store.ts';
import { operation } from '#http/operation.ts';
import { experimentJson, noteTag } from './render.ts';
import {
  cairnViewType,
  Int64,
  OneString,
  repeated,
  TagList,
  toRecord,
  ViewType,
  WireExperimentId,
} from './wire.ts';

const AboutExperiment = z.object({ experiment_id: WireExperimentId });

/** Splits MLflow's description tag off into Cairn's `description`. */
function withDescription(tags: Record<string, string>): {
  tags: Record<string, string>;
  description?: string;
} {
  const { [noteTag]: description, ...rest } = tags;
  return description === undefined ? { tags: rest } : { tags: rest, description };
}

const CreateExperiment = z
  .object({
    name: z.string(),
    // Cairn decides where artifacts live (`mlflow-artifacts:/<id>`): a client-chosen `s3://` or
    // `file://` location would send MLflow's clients around the API, so it is ignored.
    artifact_location: z.string().optional(),
    tags: TagList.optional(),
  })
  .transform(
    ({ name, tags }): z.input<typeof CreateExperimentBody> => ({ name, ...withDescription(toRecord(tags)) }),
  )
  .pipe(CreateExperimentBody);

/** The request of experiment search, in a body (POST) or a query string (GET). */
const searchFields = {
  max_results: Int64.optional(),
  page_token: OneString.optional(),
  filter: OneString.optional(),
  order_by: repeated(z.string()).optional(),
  view_type: ViewType.optional(),
};
function toSearch(request: {
  max_results?: number | undefined;
  page_token?: string | undefined;
  filter?: string | undefined;
  order_by?: string[] | undefined;
  view_type?: keyof typeof cairnViewType | undefined;
}): z.input<typeof ListExperimentsQuery> {
  // MLflow's clients send empty strings for unset fields; Cairn's schemas want them absent.
  const search: z.input<typeof ListExperimentsQuery> = {
    maxResults: request.max_results ?? 1000,
    viewType: cairnViewType[request.view_type ?? 'ACTIVE_ONLY'],
  };
  if (request.filter) search.filter = request.filter;
  if (request.order_by?.length) search.orderBy = request.order_by;
  if (request.page_token) search.pageToken = request.page_token;
  return search;
}
const SearchExperiments = z.object(searchFields).transform(toSearch).pipe(ListExperimentsQuery);

async function search(tenantId: string, request: z.output<typeof SearchExperiments>) {
  const { experiments, nextPageToken } = await searchExperiments(tenantId, request);
  return {
    experiments: experiments.map(experimentJson),
    ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
  };
}

/** MLflow's `{}` reply to a write. */
const done = {};

export const experimentOperations = {
  mlflowCreateExperiment: operation({
    summary: 'MLflow CreateExperiment: a duplicate name is RESOURCE_ALREADY_EXISTS',
    body: CreateExperiment,
    handle: async ({ caller, body }) => ({
      experiment_id: (await Experiments.createExperiment(caller.tenantId, body)).id,
    }),
  }),

  mlflowGetExperiment: operation({
    summary: 'MLflow GetExperiment (deleted experiments too)',
    query: AboutExperiment,
    handle: async ({ caller, query }) => ({
      experiment: experimentJson(await Experiments.getExperiment(caller.tenantId, query.experiment_id)),
    }),
  }),

  mlflowGetExperimentByName: operation({
    summary: 'MLflow GetExperimentByName: a missing name is RESOURCE_DOES_NOT_EXIST',
    query: z.object({ experiment_name: ExperimentName }),
    handle: async ({ caller, query }) => ({
      experiment: experimentJson(
        await Experiments.getExperimentByName(caller.tenantId, query.experiment_name),
      ),
    }),
  }),

  mlflowSearchExperiments: operation({
    summary: 'MLflow SearchExperiments',
    body: SearchExperiments,
    handle: ({ caller, body }) => search(caller.tenantId, body),
  }),

  mlflowSearchExperimentsGet: operation({
    summary: 'MLflow SearchExperiments, with the request in the query string',
    query: SearchExperiments,
    handle: ({ caller, query }) => search(caller.tenantId, query),
  }),

  /** MLflow 1.x's ListExperiments, which some clients (the npm `mlflow` package) still call. */
  mlflowListExperiments: operation({
    summary: 'MLflow 1.x ListExperiments: the first 1,000 experiments of a view type',
    query: z.object({ view_type: ViewType.optional() }).transform(toSearch).pipe(ListExperimentsQuery),
    handle: async ({ caller, query }) => ({
      experiments: (await searchExperiments(caller.tenantId, query)).experiments.map(experimentJson),
    }),
  }),

  mlflowUpdateExperiment: operation({
    summary: 'MLflow UpdateExperiment (rename)',
    body: AboutExperiment.extend({ new_name: ExperimentName.optional() }),
    handle: async ({ caller, body }) => {
      if (body.new_name !== undefined) {
        await Experiments.updateExperiment(caller.tenantId, body.experiment_id, { name: body.new_name });
      } else {
        await Experiments.getExperiment(caller.tenantId, body.experiment_id);
      }
      return done;
    },
  }),

  mlflowDeleteExperiment: operation({
    summary: 'MLflow DeleteExperiment (soft, restorable)',
    body: AboutExperiment,
    handle: async ({ caller, body }) => {
      await Experiments.setLifecycle(caller.tenantId, body.experiment_id, 'deleted');
      return done;
    },
  }),

  mlflowRestoreExperiment: operation({
    summary: 'MLflow RestoreExperiment',
    body: AboutExperiment,
    handle: async ({ caller, body }) => {
      await Experiments.setLifecycle(caller.tenantId, body.experiment_id, 'active');
      return done;
    },
  }),

  mlflowSetExperimentTag: operation({
    summary: 'MLflow SetExperimentTag (mlflow.note.content is the description)',
    body: AboutExperiment.extend({ key: EntryKey, value: TagValue })
      .transform(({ experiment_id, key, value }) => {
        const change: z.input<typeof UpdateExperimentBody> =
          key === noteTag ? { description: value } : { tags: { [key]: value } };
        return { experimentId: experiment_id, change };
      })
      .pipe(z.object({ experimentId: z.string(), change: UpdateExperimentBody })),
    handle: async ({ caller, body }) => {
      await Experiments.updateExperiment(caller.tenantId, body.experimentId, body.change);
      return done;
    },
  }),

  mlflowDeleteExperimentTag: operation({
    summary: 'MLflow DeleteExperimentTag: a missing tag is RESOURCE_DOES_NOT_EXIST',
    body: AboutExperiment.extend({ key: EntryKey }),
    handle: async ({ caller, body }) => {
      if (body.key === noteTag) {
        await Experiments.updateExperiment(caller.tenantId, body.experiment_id, { description: '' });
      } else {
        await Experiments.deleteExperimentTag(caller.tenantId, body.experiment_id, body.key);
      }
      return done;
    },
  }),
};
