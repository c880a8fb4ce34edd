import { z } from 'zod';
import * as Events from '#functions/events/store.ts';
import { downsample } from '#functions/metrics/downsample.ts';
import { type Point, toWire, widestPoint } from '#functions/metrics/point.ts';
import * as Metrics from '#functions/metrics/store.ts';
import { offsetPage } from '#functions/search/offset-page.ts';
import { operation } from '#http/operation.ts';
import { pageBudgetBytes, responseTooLarge, wireBytes } from '#http/response-budget.ts';
import {
  BulkHistoryBody,
  CreateRunBody,
  HistoryQuery,
  LogBatchBody,
  Run,
  RunPath,
  RunTagPath,
  SearchRunsBody,
  UpdateRunBody,
  WirePoint,
} from './schema.ts';
import { searchRuns } from './search.ts';
import * as Runs from './store.ts';

const One = z.object({ run: Run });
const wirePoints = (points: Point[]) => points.map((point) => ({ ...point, value: toWire(point.value) }));

export const operations = {
  createRun: operation({
    summary: 'Start a run in an experiment',
    body: CreateRunBody,
    status: 201,
    response: One,
    handle: async ({ caller, body }) => ({
      run: await Runs.createRun(caller.tenantId, body, caller.principal),
    }),
  }),

  getRun: operation({
    summary: 'One run with its params, tags and latest metric values',
    path: RunPath,
    response: One,
    handle: async ({ caller, path }) => ({ run: await Runs.getRun(caller.tenantId, path.runId) }),
  }),

  updateRun: operation({
    summary: 'Set a run status (end time defaults to now when it ends), end time or name',
    path: RunPath,
    body: UpdateRunBody,
    response: One,
    handle: async ({ caller, path, body }) => ({
      run: await Runs.updateRun(caller.tenantId, path.runId, body),
    }),
  }),

  deleteRun: operation({
    summary: 'Soft-delete a run (restorable)',
    path: RunPath,
    response: One,
    handle: async ({ caller, path }) => {
      const run = await Runs.setRunLifecycle(caller.tenantId, path.runId, 'deleted');
      await Events.record(caller.tenantId, {
        type: 'run.deleted',
        actor: Events.actorOf(caller),
        resource: `runs/${run.id}`,
        after: { name: run.name, experimentId: run.experimentId, lifecycleStage: run.lifecycleStage },
      });
      return { run };
    },
  }),

  restoreRun: operation({
    summary: 'Restore a deleted run',
    path: RunPath,
    response: One,
    handle: async ({ caller, path }) => {
      const run = await Runs.setRunLifecycle(caller.tenantId, path.runId, 'active');
      await Events.record(caller.tenantId, {
        type: 'run.restored',
        actor: Events.actorOf(caller),
        resource: `runs/${run.id}`,
        after: { name: run.name, experimentId: run.experimentId, lifecycleStage: run.lifecycleStage },
      });
      return { run };
    },
  }),

  logBatch: operation({
    summary:
      'Log up to 1,000 metrics, 100 params and 100 tags at once; a repeated batchId is not logged twice',
    path: RunPath,
    body: LogBatchBody,
    response: z.object({ duplicate: z.boolean() }),
    handle: ({ caller, path, body }) => Runs.logBatch(caller.tenantId, path.runId, body, Date.now()),
  }),

  deleteRunTag: operation({
    summary: 'Delete a tag of a run',
    path: RunTagPath,
    response: z.object({}),
    handle: async ({ caller, path }) => {
      await Runs.deleteTag(caller.tenantId, path.runId, path.key);
      return {};
    },
  }),

  searchRuns: operation({
    summary: "Search runs of experiments with MLflow's filter grammar and order_by",
    body: SearchRunsBody,
    response: z.object({ runs: z.array(Run), nextPageToken: z.string().optional() }),
    handle: ({ caller, body }) => searchRuns(caller.tenantId, body),
  }),

  getMetricHistory: operation({
    summary: 'The history of one metric of a run, paged, or downsampled to maxPoints keeping its shape',
    path: RunPath,
    query: HistoryQuery,
    response: z.object({ key: z.string(), points: z.array(WirePoint), nextPageToken: z.string().optional() }),
    handle: async ({ caller, path, query }) => {
      await Runs.getRun(caller.tenantId, path.runId);
      const range = { startStep: query.startStep, endStep: query.endStep };
      const points =
        (await Metrics.readHistories(caller.tenantId, path.runId, [query.key], range)).get(query.key) ?? [];
      if (query.maxPoints) return { key: query.key, points: wirePoints(downsample(points, query.maxPoints)) };
      const { items, nextPageToken } = offsetPage(points, {
        ...query,
        query: [path.runId, query.key, range],
      });
      return { key: query.key, points: wirePoints(items), ...(nextPageToken ? { nextPageToken } : {}) };
    },
  }),

  getMetricHistories: operation({
    summary: 'Histories of several metrics of several runs at once, for comparison charts',
    body: BulkHistoryBody,
    response: z.object({
      series: z.array(z.object({ runId: z.string(), key: z.string(), points: z.array(WirePoint) })),
      /** The points per series actually applied, when the request's maxPoints had to be lowered to fit. */
      maxPoints: z.number().optional(),
    }),
    handle: async ({ caller, body }) => {
      const range = { startStep: body.startStep, endStep: body.endStep };
      // The answer fits by construction: what the series' own fields leave of the budget is
      // shared out as points, and a requested maxPoints is lowered to that share.
      const envelope =
        body.runIds.length *
        body.keys.reduce((sum, key) => sum + wireBytes({ runId: body.runIds[0], key, points: [] }), 0);
      const series = body.runIds.length * body.keys.length;
      const share = Math.max(2, Math.floor((pageBudgetBytes - envelope) / series / wireBytes(widestPoint)));
      const maxPoints = body.maxPoints === undefined ? undefined : Math.min(body.maxPoints, share);
      const perRun = await Promise.all(
        body.runIds.map(async (runId) => {
          await Runs.getRun(caller.tenantId, runId);
          const histories = await Metrics.readHistories(caller.tenantId, runId, body.keys, range);
          return body.keys.map((key) => {
            const points = histories.get(key) ?? [];
            return { runId, key, points: maxPoints ? downsample(points, maxPoints) : points };
          });
        }),
      );
      const flat = perRun.flat();
      const total = flat.reduce((sum, one) => sum + one.points.length, 0);
      if (maxPoints === undefined && total > share * series) {
        throw responseTooLarge(
          `${total} points of ${series} series`,
          `pass maxPoints (up to ${share} per series for this many series) to have them downsampled`,
          { points: total, series, maxPointsPerSeries: share },
        );
      }
      return {
        series: flat.map((one) => ({ ...one, points: wirePoints(one.points) })),
        ...(maxPoints === undefined ? {} : { maxPoints }),
      };
    },
  }),
};
