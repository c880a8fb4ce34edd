import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the issue-3 tracking routes, on loopback, implementing only what the SDK's
 * buffering, retry and CLI tests need, to the wire contract: camelCase JSON, non-finite metric
 * values as "NaN" / "Infinity" / "-Infinity", batch ids logged once, MLflow's batch limits and
 * param immutability. It is not the server: the real routes are covered by the server's own
 * integration tests against DynamoDB Local.
 */

type WireValue = number | 'NaN' | 'Infinity' | '-Infinity';

interface StubPoint {
  step: number;
  timestamp: number;
  value: WireValue;
}

interface StubRun {
  id: string;
  experimentId: string;
  name: string;
  status: string;
  startTime: number;
  endTime: number | null;
  lifecycleStage: 'active' | 'deleted';
  user: string;
  parentRunId: string | null;
  artifactUri: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  history: Map<string, StubPoint[]>;
}

interface StubExperiment {
  id: string;
  name: string;
  description: string;
  lifecycleStage: 'active' | 'deleted';
  tags: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  artifactLocation: string;
}

export interface LoggedBatch {
  runId: string;
  batchId: string;
  metrics: number;
  params: number;
  tags: number;
  duplicate: boolean;
}

export interface TrackingStub {
  url: string;
  experiments: Map<string, StubExperiment>;
  runs: Map<string, StubRun>;
  /** Every batch request that reached the stub, duplicates included. */
  batches: LoggedBatch[];
  /** Holds every batch request until the returned function is called. */
  stall(): () => void;
  /** The stored points of one metric, in arrival order. */
  points(runId: string, key: string): StubPoint[];
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const limits = { metrics: 1000, params: 100, tags: 100, entities: 1000 };

function toNumber(value: WireValue): number {
  return typeof value === 'number' ? value : Number(value);
}

function latest(history: Map<string, StubPoint[]>) {
  const metrics: Record<string, StubPoint> = {};
  for (const [key, points] of history) {
    let best = points[0]!;
    for (const point of points) {
      if (point.step > best.step || (point.step === best.step && point.timestamp >= best.timestamp))
        best = point;
    }
    metrics[key] = best;
  }
  return metrics;
}

function runJson(run: StubRun) {
  const { history, ...rest } = run;
  return { ...rest, metrics: latest(history) };
}

function downsample(points: StubPoint[], max: number): StubPoint[] {
  if (points.length <= max || max < 2) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request.malformed_json', 'Malformed JSON');
  }
}

export async function startTrackingStub(): Promise<TrackingStub> {
  const experiments = new Map<string, StubExperiment>();
  const runs = new Map<string, StubRun>();
  const batches: LoggedBatch[] = [];
  const seenBatches = new Set<string>();
  let stalled: Promise<void> | undefined;
  let nextExperiment = 1;
  const now = Date.now();
  experiments.set('0', {
    id: '0',
    name: 'Default',
    description: '',
    lifecycleStage: 'active',
    tags: {},
    createdAt: now,
    updatedAt: now,
    artifactLocation: 's3://stub/0',
  });

  const experimentByName = (name: string) => [...experiments.values()].find((one) => one.name === name);
  const runById = (id: string) => {
    const run = runs.get(id);
    if (!run) throw new HttpError(404, 'runs.not_found', `Run ${id} does not exist`);
    return run;
  };

  function search(body: Record<string, unknown>) {
    const ids = body.experimentIds as string[];
    let found = [...runs.values()].filter(
      (run) => ids.includes(run.experimentId) && run.lifecycleStage === 'active',
    );
    const filter = (body.filter as string | undefined)?.trim();
    if (filter) {
      for (const clause of filter.split(/\s+and\s+/i)) {
        const match = /^metrics\.(\w+)\s*(>=|<=|>|<|=)\s*(-?[\d.]+)$/.exec(clause.trim());
        if (!match)
          throw new HttpError(
            400,
            'search.invalid_filter',
            `Unsupported filter near ${JSON.stringify(clause)}`,
          );
        const [, key, op, raw] = match;
        const bound = Number(raw);
        found = found.filter((run) => {
          const point = latest(run.history)[key!];
          if (!point) return false;
          const value = toNumber(point.value);
          return op === '>'
            ? value > bound
            : op === '<'
              ? value < bound
              : op === '>='
                ? value >= bound
                : op === '<='
                  ? value <= bound
                  : value === bound;
        });
      }
    }
    for (const order of ((body.orderBy as string[] | undefined) ?? []).reverse()) {
      const match = /^metrics\.(\w+)(?:\s+(ASC|DESC))?$/i.exec(order.trim());
      if (!match) throw new HttpError(400, 'search.invalid_order_by', `Unsupported order ${order}`);
      const sign = match[2]?.toUpperCase() === 'DESC' ? -1 : 1;
      const value = (run: StubRun) => {
        const point = latest(run.history)[match[1]!];
        return point ? toNumber(point.value) : Number.NEGATIVE_INFINITY;
      };
      found.sort((a, b) => sign * (value(a) - value(b)));
    }
    const offset = Number(body.pageToken ?? 0);
    const max = Number(body.maxResults ?? 1000);
    const page = found.slice(offset, offset + max);
    const more = offset + max < found.length;
    return { runs: page.map(runJson), ...(more ? { nextPageToken: String(offset + max) } : {}) };
  }

  function logBatch(run: StubRun, body: Record<string, unknown>) {
    const batchId = body.batchId as string;
    const metrics =
      (body.metrics as { key: string; value: WireValue; timestamp: number; step: number }[] | undefined) ??
      [];
    const params = (body.params as { key: string; value: string }[] | undefined) ?? [];
    const tags = (body.tags as { key: string; value: string }[] | undefined) ?? [];
    if (typeof batchId !== 'string' || !batchId)
      throw new HttpError(400, 'request.invalid', 'batchId is required');
    for (const [name, list] of [
      ['metrics', metrics],
      ['params', params],
      ['tags', tags],
    ] as const) {
      if (list.length > limits[name])
        throw new HttpError(400, 'request.invalid', `At most ${limits[name]} ${name} per batch`);
    }
    if (metrics.length + params.length + tags.length > limits.entities) {
      throw new HttpError(
        400,
        'request.invalid',
        `At most ${limits.entities} metrics, params and tags per batch`,
      );
    }
    for (const metric of metrics) {
      const valid =
        typeof metric.value === 'number' || ['NaN', 'Infinity', '-Infinity'].includes(metric.value);
      if (!valid || !Number.isInteger(metric.step) || !Number.isInteger(metric.timestamp)) {
        throw new HttpError(400, 'request.invalid', `Bad metric ${JSON.stringify(metric)}`);
      }
    }
    for (const param of params) {
      const known = run.params[param.key];
      if (known !== undefined && known !== param.value) {
        throw new HttpError(
          400,
          'runs.param_conflict',
          `Param ${param.key} is already ${JSON.stringify(known)}`,
        );
      }
    }
    const duplicate = seenBatches.has(batchId);
    batches.push({
      runId: run.id,
      batchId,
      metrics: metrics.length,
      params: params.length,
      tags: tags.length,
      duplicate,
    });
    if (duplicate) return;
    seenBatches.add(batchId);
    for (const metric of metrics) {
      const list = run.history.get(metric.key) ?? [];
      list.push({ step: metric.step, timestamp: metric.timestamp, value: metric.value });
      run.history.set(metric.key, list);
    }
    for (const param of params) run.params[param.key] = param.value;
    for (const tag of tags) run.tags[tag.key] = tag.value;
  }

  async function route(request: IncomingMessage, url: URL): Promise<[number, unknown]> {
    const method = request.method ?? 'GET';
    const path = url.pathname.replace(/^\/api\/v1/, '');
    if (!request.headers.authorization)
      throw new HttpError(401, 'auth.missing_key', 'This route needs an API key');
    const runPath = /^\/runs\/(\w+)(?:\/(log|metric-history|tags)(?:\/(.+))?)?$/.exec(path);
    const [, runId = '', sub, tagKey] = runPath ?? [];

    if (method === 'GET' && path === '/experiments/by-name') {
      const experiment = experimentByName(url.searchParams.get('name') ?? '');
      if (!experiment)
        throw new HttpError(
          404,
          'experiments.not_found',
          `No experiment named ${url.searchParams.get('name')}`,
        );
      return [200, { experiment }];
    }
    if (method === 'GET' && path === '/experiments') {
      return [
        200,
        { experiments: [...experiments.values()].filter((one) => one.lifecycleStage === 'active') },
      ];
    }
    if (method === 'POST' && path === '/experiments') {
      const body = await readJson(request);
      const name = body.name as string;
      if (experimentByName(name))
        throw new HttpError(409, 'experiments.already_exists', `Experiment ${name} exists`);
      const id = String(nextExperiment++);
      const at = Date.now();
      const experiment: StubExperiment = {
        id,
        name,
        description: (body.description as string | undefined) ?? '',
        lifecycleStage: 'active',
        tags: (body.tags as Record<string, string> | undefined) ?? {},
        createdAt: at,
        updatedAt: at,
        artifactLocation: `s3://stub/${id}`,
      };
      experiments.set(id, experiment);
      return [201, { experiment }];
    }
    if (method === 'POST' && path === '/runs') {
      const body = await readJson(request);
      const experimentId = body.experimentId as string;
      if (!experiments.has(experimentId))
        throw new HttpError(404, 'experiments.not_found', `No experiment ${experimentId}`);
      const id = randomBytes(16).toString('hex');
      const run: StubRun = {
        id,
        experimentId,
        name: (body.name as string | undefined) ?? `run-${id.slice(0, 6)}`,
        status: 'RUNNING',
        startTime: (body.startTime as number | undefined) ?? Date.now(),
        endTime: null,
        lifecycleStage: 'active',
        user: 'stub',
        parentRunId: (body.parentRunId as string | undefined) ?? null,
        artifactUri: `s3://stub/${experimentId}/${id}`,
        params: Object.fromEntries(
          Object.entries((body.params as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)]),
        ),
        tags: (body.tags as Record<string, string> | undefined) ?? {},
        history: new Map(),
      };
      runs.set(id, run);
      return [201, { run: runJson(run) }];
    }
    if (method === 'POST' && path === '/runs/search') return [200, search(await readJson(request))];
    if (method === 'POST' && path === '/metrics/history') {
      const body = await readJson(request);
      const series = [];
      for (const runId of body.runIds as string[]) {
        for (const key of body.keys as string[]) {
          const points = runById(runId).history.get(key) ?? [];
          series.push({
            runId,
            key,
            points: downsample(points, Number(body.maxPoints ?? Number.POSITIVE_INFINITY)),
          });
        }
      }
      return [200, { series }];
    }
    if (runPath && sub === 'log' && method === 'POST') {
      const body = await readJson(request);
      if (stalled) await stalled;
      logBatch(runById(runId), body);
      return [200, {}];
    }
    if (runPath && sub === 'metric-history' && method === 'GET') {
      const run = runById(runId);
      const key = url.searchParams.get('key') ?? '';
      const start = Number(url.searchParams.get('startStep') ?? Number.NEGATIVE_INFINITY);
      const end = Number(url.searchParams.get('endStep') ?? Number.POSITIVE_INFINITY);
      let points = (run.history.get(key) ?? []).filter((point) => point.step >= start && point.step <= end);
      points = [...points].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
      const maxPoints = url.searchParams.get('maxPoints');
      if (maxPoints) return [200, { key, points: downsample(points, Number(maxPoints)) }];
      const offset = Number(url.searchParams.get('pageToken') ?? 0);
      const size = Number(url.searchParams.get('maxResults') ?? 250);
      const more = offset + size < points.length;
      return [
        200,
        {
          key,
          points: points.slice(offset, offset + size),
          ...(more ? { nextPageToken: String(offset + size) } : {}),
        },
      ];
    }
    if (runPath && sub === 'tags' && tagKey && method === 'DELETE') {
      delete runById(runId).tags[decodeURIComponent(tagKey)];
      return [200, {}];
    }
    if (runPath && !sub) {
      const run = runById(runId);
      if (method === 'GET') return [200, { run: runJson(run) }];
      if (method === 'PATCH') {
        const body = await readJson(request);
        if (body.status !== undefined) run.status = body.status as string;
        if (body.endTime !== undefined) run.endTime = body.endTime as number;
        if (body.name !== undefined) run.name = body.name as string;
        return [200, { run: runJson(run) }];
      }
    }
    throw new HttpError(404, 'route.not_found', `No route ${method} ${url.pathname}`);
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://stub.local');
    const requestId = randomBytes(8).toString('hex');
    route(request, url)
      .then(
        ([status, body]) => [status, body] as const,
        (error: unknown) => {
          if (error instanceof HttpError)
            return [error.status, { error: { code: error.code, message: error.message } }] as const;
          return [500, { error: { code: 'internal', message: String(error) } }] as const;
        },
      )
      .then(([status, body]) => {
        if (response.destroyed) return;
        response.writeHead(status, { 'content-type': 'application/json', 'x-request-id': requestId });
        response.end(JSON.stringify(body));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    experiments,
    runs,
    batches,
    stall() {
      let release = () => {};
      stalled = new Promise((resolve) => {
        release = () => {
          stalled = undefined;
          resolve();
        };
      });
      return release;
    },
    points: (runId, key) => runs.get(runId)?.history.get(key) ?? [],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
