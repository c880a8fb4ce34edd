import {
  type LogArtifactOptions,
  logArtifact,
  logArtifacts,
  type RunInput,
  useDataset,
} from './artifacts.ts';
import { CairnError } from './errors.ts';
import { unwatchOnExit, watchOnExit } from './exit-hook.ts';
import { PointBuffer } from './point-buffer.ts';
import type { ApiClient, UploadResult } from './transfers.ts';
import type { RequestSpec } from './transport.ts';
import type { ParamValue, RunRecord, RunStatus } from './types.ts';

/** The batch endpoint's limits per request (MLflow's): `entities` caps the three together. */
export const batchLimits = { metrics: 1000, params: 100, tags: 100, entities: 1000 } as const;

export interface LogOptions {
  /** An integer; default 0 (as in MLflow). */
  step?: number;
  /** Milliseconds since the epoch; default `Date.now()`, read once per call. */
  timestamp?: number;
}

/** How a run buffers metric points before sending them. */
export interface BufferOptions {
  /** Partial batches are sent this long after their first point. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Points per request, at most 1,000 (the server's limit). Default 1000. */
  batchSize?: number;
  /**
   * `run.log` returns `false` while at least this many points wait to be sent: a hint to
   * `await run.flush()` before logging more (as `stream.write` does). Default 10,000.
   */
  highWaterMark?: number;
  /**
   * The most points a run holds in memory. Beyond it, each new point replaces the oldest unsent
   * one: `log` never blocks and never grows without bound. Dropped points are counted in
   * `run.stats.dropped` and reported as warnings. Default 100,000 (about 2.8 MB).
   */
  maxBufferedPoints?: number;
  /** Metric batches of one run in flight at once. Default 4. */
  maxInFlight?: number;
}

export interface RunStats {
  /** Points accepted by `log`. */
  logged: number;
  /** Points the server confirmed. */
  sent: number;
  /** Points replaced while the buffer was full. */
  dropped: number;
  /** Points in batches that failed for good (their errors are thrown by `flush`/`end`). */
  failed: number;
  /** Points waiting to be sent. */
  buffered: number;
}

/** What a run handle needs from its client. @internal */
export interface RunContext {
  request<T>(spec: RequestSpec & { auth: 'api' }): Promise<T>;
  /** The client's raw handle, for artifacts and lineage. */
  api: ApiClient;
  updateRun(runId: string, patch: { status?: RunStatus; endTime?: number }): Promise<RunRecord>;
  buffer: Required<BufferOptions>;
  warn(message: string): void;
  /** Called once the run stops buffering (ended or closed). */
  released(run: Run): void;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const controlCharacters = /[\u0000-\u001f\u007f]/;
const maxKeyLength = 250;

function invalid(message: string): CairnError {
  return new CairnError('client.invalid_argument', message);
}

function checkKey(kind: string, key: string): void {
  if (!key) throw invalid(`A ${kind} key must not be empty`);
  if (key.length > maxKeyLength)
    throw invalid(`${kind} key is over ${maxKeyLength} characters: ${key.slice(0, 40)}…`);
  if (controlCharacters.test(key))
    throw invalid(`${kind} key ${JSON.stringify(key)} contains control characters`);
}

/** A v4 UUID: the client batch id. */
export function uuid(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // randomUUID exists only in secure contexts in browsers; getRandomValues everywhere.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface Failure {
  error: unknown;
  points: number;
  what: string;
}

interface Waiter {
  target: number;
  metaTarget: number;
  resolve: () => void;
}

/** Stops a run's buffering without ending it; used by `cairn.close()`. @internal */
export const closeRun = Symbol('closeRun');

/**
 * A run being logged to. `log`, `logParams` and `setTags` return at once: what they record is
 * buffered and sent in the background (metric batches of up to 1,000 points as they fill and
 * every second; params and tags in batches of their own, so that a rejected param never takes
 * metric points down with it). Every batch carries a fresh id, so the retries of a batch are
 * never logged twice.
 *
 * A batch that fails for good (a 4xx, or a network failure that outlives the retries) is thrown
 * by the next `flush()` or `end()`, never swallowed. In Node, what is still buffered when the
 * process runs out of work is sent before it exits; `process.exit()` cannot be intercepted, so
 * call `run.end()` or `cairn.close()` first.
 *
 * @example
 * const run = await cairn.startRun({ experiment: 'iris' });
 * for (let step = 0; step < 100; step++) run.log({ loss: 1 / (step + 1) }, { step });
 * await run.end();
 */
export class Run {
  /** 32 hex characters. */
  readonly id: string;
  readonly experimentId: string;
  readonly name: string;
  /** The run as the server answered when this handle was made (not kept up to date). */
  readonly record: RunRecord;

  readonly #context: RunContext;
  readonly #batchSize: number;
  readonly #highWaterMark: number;
  readonly #maxInFlight: number;
  readonly #points: PointBuffer;
  readonly #keyIndex = new Map<string, number>();
  readonly #keyJson: string[] = [];
  readonly #inFlight = new Set<{ start: number }>();
  #sent = 0;
  #failed = 0;
  #failures: Failure[] = [];
  #droppedReported = 0;
  #warnedDropping = false;
  /** Partial batches may be cut while `points.head` is below this. */
  #flushTarget = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #kickScheduled = false;
  #accepting = true;
  #ending: Promise<RunRecord> | undefined;
  #waiters: Waiter[] = [];

  /** Params logged through this handle (and at creation): a different value is refused at once. */
  readonly #params = new Map<string, string>();
  readonly #pendingParams = new Map<string, string>();
  readonly #pendingTags = new Map<string, string>();
  /** Each logParams/setTags call takes a number; a flush waits until its number is settled. */
  #metaSeq = 0;
  #metaSettled = 0;
  #metaInFlight = false;

  /** @internal Use `cairn.startRun` or `cairn.resumeRun`. */
  constructor(context: RunContext, record: RunRecord) {
    this.#context = context;
    this.id = record.id;
    this.experimentId = record.experimentId;
    this.name = record.name;
    this.record = record;
    const options = context.buffer;
    this.#batchSize = Math.max(1, Math.min(batchLimits.metrics, Math.floor(options.batchSize)));
    this.#highWaterMark = options.highWaterMark;
    this.#maxInFlight = Math.max(1, Math.floor(options.maxInFlight));
    this.#points = new PointBuffer(options.maxBufferedPoints);
    for (const [key, value] of Object.entries(record.params ?? {})) this.#params.set(key, value);
    watchOnExit(this);
  }

  /**
   * Records metric values at one step, without waiting: the points are buffered and sent in the
   * background. Returns `false` when the buffer is past its high-water mark (the server is not
   * keeping up): `await run.flush()` before logging more if no point may be dropped.
   *
   * @example
   * run.log({ loss: 0.31, accuracy: 0.92 }, { step: 10 });
   */
  log(values: Readonly<Record<string, number>>, options?: LogOptions): boolean {
    if (!this.#accepting) throw this.#endedError();
    let step = 0;
    let timestamp: number;
    if (options === undefined) timestamp = Date.now();
    else {
      if (options.step !== undefined) {
        step = options.step;
        if (!Number.isSafeInteger(step)) throw invalid(`step must be an integer, got ${step}`);
      }
      if (options.timestamp === undefined) timestamp = Date.now();
      else {
        timestamp = options.timestamp;
        if (!Number.isFinite(timestamp))
          throw invalid(`timestamp must be milliseconds since the epoch, got ${timestamp}`);
        if (!Number.isInteger(timestamp)) timestamp = Math.round(timestamp);
      }
    }
    const points = this.#points;
    for (const key in values) {
      const value = values[key];
      if (typeof value !== 'number')
        throw invalid(`metric ${key}: value must be a number, got ${typeof value}`);
      let index = this.#keyIndex.get(key);
      if (index === undefined) index = this.#intern(key);
      points.push(index, value, timestamp, step);
    }
    const size = points.size;
    if (size >= this.#batchSize) {
      if (!this.#kickScheduled) this.#scheduleKick();
    } else if (this.#timer === undefined && size > 0) this.#armTimer();
    if (points.dropped !== 0 && !this.#warnedDropping) this.#warnDropping();
    return size < this.#highWaterMark;
  }

  /** `log` for one metric. */
  logMetric(key: string, value: number, options?: LogOptions): boolean {
    return this.log({ [key]: value }, options);
  }

  /**
   * Records params (immutable once logged; the same value again is a no-op). A different value
   * for a key this handle already logged throws `runs.param_conflict` at once; a conflict only the
   * server can see is thrown by the next `flush()`/`end()`.
   */
  logParams(params: Readonly<Record<string, ParamValue>>): void {
    if (!this.#accepting) throw this.#endedError();
    const entries: [string, string][] = [];
    for (const [key, raw] of Object.entries(params)) {
      checkKey('param', key);
      const value = String(raw);
      const known = this.#params.get(key);
      if (known !== undefined && known !== value) {
        throw new CairnError(
          'runs.param_conflict',
          `Param ${key} is already ${JSON.stringify(known)}; params cannot change`,
          {
            details: { key, existing: known, attempted: value },
          },
        );
      }
      if (known === undefined) entries.push([key, value]);
    }
    if (entries.length === 0) return;
    for (const [key, value] of entries) {
      this.#params.set(key, value);
      this.#pendingParams.set(key, value);
    }
    this.#metaSeq++;
    if (!this.#kickScheduled) this.#scheduleKick();
  }

  /** Sets tags (the last value of a key wins). Sent in the background like params. */
  setTags(tags: Readonly<Record<string, string>>): void {
    if (!this.#accepting) throw this.#endedError();
    const entries = Object.entries(tags);
    for (const [key] of entries) checkKey('tag', key);
    if (entries.length === 0) return;
    for (const [key, value] of entries) this.#pendingTags.set(key, String(value));
    this.#metaSeq++;
    if (!this.#kickScheduled) this.#scheduleKick();
  }

  /** Deletes a tag, after whatever was set before it has been delivered. */
  async deleteTag(key: string): Promise<void> {
    await this.flush();
    await this.#context.request({
      method: 'DELETE',
      path: `/runs/${encodeURIComponent(this.id)}/tags/${encodeURIComponent(key)}`,
      auth: 'api',
    });
  }

  /**
   * Uploads one local file (Node) to the run's artifacts as `<artifactPath>/<its name>`. Bytes go
   * straight to the object store; a blob the tenant already holds is not sent again. Works on an
   * ended run too, as long as it is not deleted.
   *
   * @example
   * await run.logArtifact('./confusion.png', { artifactPath: 'plots' });
   */
  logArtifact(file: string, options?: LogArtifactOptions): Promise<UploadResult> {
    return logArtifact(this.#context.api, this.id, file, options);
  }

  /**
   * Uploads every file below a local folder (Node), keeping its layout, under `artifactPath`.
   *
   * @example
   * await run.logArtifacts('./model', { artifactPath: 'model' });
   */
  logArtifacts(dir: string, options?: LogArtifactOptions): Promise<UploadResult> {
    return logArtifacts(this.#context.api, this.id, dir, options);
  }

  /**
   * Records that this run used a dataset version (lineage, answered both ways). `version` is a
   * number, a tag or `latest` (the default); `context` defaults to `training`.
   *
   * @example
   * await run.useDataset('iris', { version: 2, context: 'training' });
   */
  useDataset(name: string, options?: { version?: number | string; context?: string }): Promise<RunInput> {
    return useDataset(this.#context.api, this.id, name, options);
  }

  /**
   * Waits until everything logged before this call has been delivered, or has failed for good;
   * then throws the first failure since the last `flush()` (once), with how many points were lost.
   */
  async flush(): Promise<void> {
    const target = this.#points.tail;
    if (target > this.#flushTarget) this.#flushTarget = target;
    const metaTarget = this.#metaSeq;
    this.#pump();
    if (!this.#settled(target, metaTarget)) {
      await new Promise<void>((resolve) => this.#waiters.push({ target, metaTarget, resolve }));
    }
    this.#reportDropped();
    this.#throwFailures();
  }

  /**
   * Delivers what is buffered, then marks the run ended (`FINISHED` unless told otherwise) with
   * the current time. The run is ended even when delivery failed; that failure is thrown after.
   * Calling it again returns the same promise.
   *
   * @example
   * try { await train(run); await run.end(); } catch (error) { await run.end('FAILED'); throw error; }
   */
  end(status: RunStatus = 'FINISHED'): Promise<RunRecord> {
    this.#ending ??= this.#end(status);
    return this.#ending;
  }

  async #end(status: RunStatus): Promise<RunRecord> {
    this.#accepting = false;
    let failure: unknown;
    try {
      await this.flush();
    } catch (error) {
      failure = error;
    }
    this.#release();
    const record = await this.#context.updateRun(this.id, { status, endTime: Date.now() });
    if (failure !== undefined) throw failure;
    return record;
  }

  /** What happened to the points logged so far. */
  get stats(): RunStats {
    const points = this.#points;
    return {
      logged: points.tail,
      sent: this.#sent,
      dropped: points.dropped,
      failed: this.#failed,
      buffered: points.size,
    };
  }

  /** Whether anything is buffered, in flight, or failed and not yet thrown. @internal */
  get hasPending(): boolean {
    return (
      this.#points.size > 0 ||
      this.#inFlight.size > 0 ||
      this.#pendingParams.size > 0 ||
      this.#pendingTags.size > 0 ||
      this.#metaInFlight ||
      this.#failures.length > 0
    );
  }

  /** @internal */
  async [closeRun](): Promise<void> {
    this.#accepting = false;
    try {
      await this.flush();
    } finally {
      this.#release();
    }
  }

  #release(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    unwatchOnExit(this);
    this.#context.released(this);
  }

  #endedError(): CairnError {
    return new CairnError(
      'client.run_ended',
      `Run ${this.id} has ended (or its client was closed); start or resume a run to log more`,
    );
  }

  #intern(key: string): number {
    checkKey('metric', key);
    const index = this.#keyJson.length;
    this.#keyJson.push(JSON.stringify(key));
    this.#keyIndex.set(key, index);
    return index;
  }

  #scheduleKick(): void {
    this.#kickScheduled = true;
    // A macrotask, so that a burst of `log` calls fills whole batches before any is cut.
    setTimeout(() => {
      this.#kickScheduled = false;
      this.#pump();
    }, 0);
  }

  #armTimer(): void {
    const timer = setTimeout(() => {
      this.#timer = undefined;
      // Everything logged until now may go, in partial batches if need be.
      this.#flushTarget = Math.max(this.#flushTarget, this.#points.tail);
      this.#pump();
    }, this.#context.buffer.flushIntervalMs);
    // Node: the timer alone must not keep a finished script alive; `beforeExit` sends the rest.
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }

  #pump(): void {
    const points = this.#points;
    while (this.#inFlight.size < this.#maxInFlight) {
      const size = points.size;
      if (size === 0 || (size < this.#batchSize && points.head >= this.#flushTarget)) break;
      const count = Math.min(size, this.#batchSize);
      const start = points.head;
      this.#sendMetrics(start, count, points.takeJson(count, this.#keyJson));
    }
    if (!this.#metaInFlight && (this.#pendingParams.size > 0 || this.#pendingTags.size > 0)) this.#sendMeta();
    if (points.size > 0 && this.#timer === undefined && this.#accepting) this.#armTimer();
    this.#wake();
  }

  #sendMetrics(start: number, count: number, metricsJson: string): void {
    const batch = { start };
    this.#inFlight.add(batch);
    this.#context
      .request({
        method: 'POST',
        path: `/runs/${encodeURIComponent(this.id)}/log`,
        json: `{"batchId":"${uuid()}","metrics":${metricsJson}}`,
        // The batch id makes a repeat harmless: the server logs a batch id once.
        idempotent: true,
        auth: 'api',
      })
      .then(
        () => {
          this.#sent += count;
        },
        (error: unknown) => {
          this.#failed += count;
          this.#failures.push({ error, points: count, what: `${count} metric points` });
        },
      )
      .finally(() => {
        this.#inFlight.delete(batch);
        this.#pump();
      });
  }

  #sendMeta(): void {
    const params = takeEntries(this.#pendingParams, batchLimits.params).map(([key, value]) => ({
      key,
      value,
    }));
    const tags = takeEntries(this.#pendingTags, batchLimits.tags).map(([key, value]) => ({ key, value }));
    const complete = this.#pendingParams.size === 0 && this.#pendingTags.size === 0;
    const settles = complete ? this.#metaSeq : this.#metaSettled;
    const body: { batchId: string; params?: typeof params; tags?: typeof tags } = { batchId: uuid() };
    if (params.length) body.params = params;
    if (tags.length) body.tags = tags;
    this.#metaInFlight = true;
    this.#context
      .request({
        method: 'POST',
        path: `/runs/${encodeURIComponent(this.id)}/log`,
        body,
        idempotent: true,
        auth: 'api',
      })
      .catch((error: unknown) => {
        const what = [params.length && `${params.length} params`, tags.length && `${tags.length} tags`]
          .filter(Boolean)
          .join(' and ');
        this.#failures.push({ error, points: 0, what });
      })
      .finally(() => {
        this.#metaInFlight = false;
        if (settles > this.#metaSettled) this.#metaSettled = settles;
        this.#pump();
      });
  }

  #settled(target: number, metaTarget: number): boolean {
    if (this.#points.head < target || this.#metaSettled < metaTarget) return false;
    for (const batch of this.#inFlight) if (batch.start < target) return false;
    return true;
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const waiting: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (this.#settled(waiter.target, waiter.metaTarget)) waiter.resolve();
      else waiting.push(waiter);
    }
    this.#waiters = waiting;
  }

  #warnDropping(): void {
    this.#warnedDropping = true;
    this.#context.warn(
      `cairn: run ${this.id} holds ${this.#points.limit} unsent points, so the oldest are being dropped: ` +
        'the server is slow or unreachable, or a synchronous loop gives the sender no turn. ' +
        'Await run.flush() now and then (log returns false when it is time), or raise buffer.maxBufferedPoints.',
    );
  }

  #reportDropped(): void {
    const dropped = this.#points.dropped;
    if (dropped === this.#droppedReported) return;
    this.#context.warn(
      `cairn: run ${this.id}: ${dropped - this.#droppedReported} metric points were dropped (buffer full)`,
    );
    this.#droppedReported = dropped;
  }

  #throwFailures(): void {
    const failures = this.#failures;
    if (failures.length === 0) return;
    this.#failures = [];
    const first = failures[0]!;
    const lost = failures.reduce((sum, failure) => sum + failure.points, 0);
    const what = failures.map((failure) => failure.what).join(', ');
    const cause = first.error;
    if (!CairnError.is(cause)) throw cause;
    throw new CairnError(cause.code, `Run ${this.id}: not delivered (${what}): ${cause.message}`, {
      status: cause.status,
      details: { ...cause.details, failedBatches: failures.length, lostPoints: lost },
      requestId: cause.requestId,
      cause,
    });
  }
}

function takeEntries(map: Map<string, string>, limit: number): [string, string][] {
  const taken: [string, string][] = [];
  for (const entry of map) {
    if (taken.length === limit) break;
    taken.push(entry);
  }
  for (const [key] of taken) map.delete(key);
  return taken;
}
