import { z } from 'zod';
import * as Events from '#functions/events/store.ts';
import { operation } from '#http/operation.ts';
import {
  ByNameQuery,
  CreateExperimentBody,
  Experiment,
  ExperimentPath,
  ListExperimentsQuery,
  UpdateExperimentBody,
} from './schema.ts';
import { searchExperiments } from './search.ts';
import * as Experiments from './store.ts';

const One = z.object({ experiment: Experiment });

export const operations = {
  createExperiment: operation({
    summary: 'Create an experiment (names are unique per tenant)',
    body: CreateExperimentBody,
    status: 201,
    response: One,
    handle: async ({ caller, body }) => ({
      experiment: await Experiments.createExperiment(caller.tenantId, body),
    }),
  }),

  listExperiments: operation({
    summary: "Search the tenant's experiments (MLflow filter grammar on name, times and tags)",
    query: ListExperimentsQuery,
    response: z.object({ experiments: z.array(Experiment), nextPageToken: z.string().optional() }),
    handle: ({ caller, query }) => searchExperiments(caller.tenantId, query),
  }),

  getExperimentByName: operation({
    summary: 'One experiment by name',
    query: ByNameQuery,
    response: One,
    handle: async ({ caller, query }) => ({
      experiment: await Experiments.getExperimentByName(caller.tenantId, query.name),
    }),
  }),

  getExperiment: operation({
    summary: 'One experiment by id',
    path: ExperimentPath,
    response: One,
    handle: async ({ caller, path }) => ({
      experiment: await Experiments.getExperiment(caller.tenantId, path.experimentId),
    }),
  }),

  updateExperiment: operation({
    summary: 'Rename an experiment, change its description, set or delete (null) tags',
    path: ExperimentPath,
    body: UpdateExperimentBody,
    response: One,
    handle: async ({ caller, path, body }) => ({
      experiment: await Experiments.updateExperiment(caller.tenantId, path.experimentId, body),
    }),
  }),

  deleteExperiment: operation({
    summary: 'Soft-delete an experiment (restorable; its runs stay)',
    path: ExperimentPath,
    response: One,
    handle: async ({ caller, path }) => {
      const experiment = await Experiments.setLifecycle(caller.tenantId, path.experimentId, 'deleted');
      await Events.record(caller.tenantId, {
        type: 'experiment.deleted',
        actor: Events.actorOf(caller),
        resource: `experiments/${experiment.id}`,
        after: { name: experiment.name, lifecycleStage: experiment.lifecycleStage },
      });
      return { experiment };
    },
  }),

  restoreExperiment: operation({
    summary: 'Restore a deleted experiment',
    path: ExperimentPath,
    response: One,
    handle: async ({ caller, path }) => {
      const experiment = await Experiments.setLifecycle(caller.tenantId, path.experimentId, 'active');
      await Events.record(caller.tenantId, {
        type: 'experiment.restored',
        actor: Events.actorOf(caller),
        resource: `experiments/${experiment.id}`,
        after: { name: experiment.name, lifecycleStage: experiment.lifecycleStage },
      });
      return { experiment };
    },
  }),
};
