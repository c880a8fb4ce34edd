import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ContainerData, FromContainer, InvokeError, ToContainer } from './lambda-container.ts';

/**
 * Lambda's synchronous invocation limits: 6 MB for the request (the event as JSON) and for the
 * response. Lambda's own errors name the exact byte counts: "Request must be smaller than 6291456
 * bytes for the InvokeFunction operation" and "Exceeded maximum allowed payload size (6291556
 * bytes)". https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const lambdaMaxRequestBytes = 6_291_456;
export const lambdaMaxResponseBytes = 6_291_556;

/** Containers per function unless `CAIRN_LOCAL_CONTAINERS` says otherwise. */
export const defaultContainers = 2;

const containerScript = resolve(import.meta.dirname, 'lambda-container.ts');

export interface LocalFunctionOptions {
  /** The function's name, as in its log group. */
  name: string;
  /** The bundle's `index.mjs`. */
  bundlePath: string;
  /** The function's environment; the runtime adds Lambda's own variables. */
  env: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  /** At most this many containers run at once; further invocations wait for one to be free. */
  containers: number;
  /** Where the runtime-provided packages (the AWS SDK) are resolved from. */
  providedFrom: string;
  provided: readonly string[];
}

/** What an invocation gives back, as Lambda's Invoke API reports it. */
export type Invocation =
  | { ok: true; payload: string; container: Report }
  | { ok: false; error: InvokeError; container?: Report };

/** Lambda's REPORT line, for the local log and the tests: which container, cold or warm. */
export interface Report {
  containerId: string;
  /** Set on the invocation that started the container: its cold start. */
  initMs?: number;
  durationMs: number;
}

interface Container {
  id: string;
  worker: Worker;
  ready: Promise<{ initMs: number } | { error: InvokeError }>;
  /** The invocation it runs now, if any. */
  current?: { id: number; settle: (result: FromContainer | { type: 'exit'; error: InvokeError }) => void };
  dead: boolean;
  initReported: boolean;
  initMs?: number;
}

const sizeOf = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * One Lambda function on the local stack: a pool of containers, each a worker thread with its
 * own module state that loads the function's bundle on first use (a cold start) and is reused
 * after. An invocation that outlives the function's timeout, crashes the container or runs it out
 * of memory fails as on AWS, and its container is replaced on the next invocation.
 */
export class LocalFunction {
  readonly options: LocalFunctionOptions;
  private readonly idle: Container[] = [];
  private readonly all = new Set<Container>();
  private readonly waiting: ((container: Container) => void)[] = [];
  private nextInvocation = 1;
  private nextContainer = 1;
  private stopped = false;
  /** How many containers have been started (cold starts), for the tests and the bench. */
  coldStarts = 0;

  constructor(options: LocalFunctionOptions) {
    this.options = options;
  }

  /** Runs one invocation. Never throws: every failure comes back as Lambda reports it. */
  async invoke(event: unknown, requestId: string = randomUUID()): Promise<Invocation> {
    const serialized = JSON.stringify(event);
    if (sizeOf(serialized) > lambdaMaxRequestBytes) {
      return {
        ok: false,
        error: {
          errorType: 'RequestEntityTooLargeException',
          errorMessage: `Request must be smaller than ${lambdaMaxRequestBytes} bytes for the InvokeFunction operation`,
        },
      };
    }
    const container = await this.acquire();
    const state = await container.ready;
    if ('error' in state) {
      this.discard(container);
      return { ok: false, error: state.error };
    }
    const started = performance.now();
    const report = (): Report => {
      const out: Report = { containerId: container.id, durationMs: performance.now() - started };
      if (!container.initReported) {
        container.initReported = true;
        out.initMs = container.initMs;
      }
      return out;
    };
    const id = this.nextInvocation++;
    const timeoutMs = this.options.timeoutSeconds * 1000;
    const outcome = await new Promise<FromContainer | { type: 'exit'; error: InvokeError }>((settle) => {
      container.current = { id, settle };
      const timer = setTimeout(() => {
        // Lambda stops the sandbox at the timeout; the next invocation gets a fresh one.
        settle({
          type: 'exit',
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `Task timed out after ${this.options.timeoutSeconds.toFixed(2)} seconds`,
          },
        });
        this.discard(container);
      }, timeoutMs);
      timer.unref();
      container.current.settle = (result) => {
        clearTimeout(timer);
        settle(result);
      };
      // The event goes over as JSON text, as it reaches a function on AWS.
      container.worker.postMessage({
        type: 'invoke',
        id,
        event: JSON.parse(serialized),
        requestId,
        deadline: Date.now() + timeoutMs,
      } satisfies ToContainer);
    });
    container.current = undefined;
    const containerReport = report();
    if (outcome.type === 'result' && sizeOf(outcome.payload) > lambdaMaxResponseBytes) {
      this.release(container);
      return {
        ok: false,
        container: containerReport,
        error: {
          errorType: 'Function.ResponseSizeTooLarge',
          errorMessage: `Response payload size exceeded maximum allowed payload size (${lambdaMaxResponseBytes} bytes).`,
        },
      };
    }
    if (outcome.type === 'result') {
      this.release(container);
      return { ok: true, payload: outcome.payload, container: containerReport };
    }
    if (outcome.type === 'error') {
      this.release(container);
      return { ok: false, error: outcome.error, container: containerReport };
    }
    if (outcome.type === 'exit') return { ok: false, error: outcome.error, container: containerReport };
    return {
      ok: false,
      error: { errorType: 'Runtime.Unknown', errorMessage: 'unexpected message from the container' },
    };
  }

  /** Containers alive now. */
  get containers(): number {
    return this.all.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.all].map((container) => container.worker.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }

  private acquire(): Promise<Container> {
    if (this.stopped) return Promise.reject(new Error(`${this.options.name} is stopped`));
    // The most recently used container first, as Lambda tends to reuse the warmest one.
    const warm = this.idle.pop();
    if (warm) return Promise.resolve(warm);
    if (this.all.size < this.options.containers) return Promise.resolve(this.start());
    return new Promise((resolveContainer) => this.waiting.push(resolveContainer));
  }

  private release(container: Container) {
    if (container.dead) return this.replaceForWaiter();
    const next = this.waiting.shift();
    if (next) next(container);
    else this.idle.push(container);
  }

  /** Drops a container that timed out, crashed or failed to initialise. */
  private discard(container: Container) {
    if (!container.dead) {
      container.dead = true;
      void container.worker.terminate();
    }
    this.all.delete(container);
    const index = this.idle.indexOf(container);
    if (index >= 0) this.idle.splice(index, 1);
    this.replaceForWaiter();
  }

  private replaceForWaiter() {
    if (this.stopped || !this.waiting.length || this.all.size >= this.options.containers) return;
    this.waiting.shift()!(this.start());
  }

  private start(): Container {
    const { options } = this;
    const id = `${options.name}-${this.nextContainer++}`;
    this.coldStarts++;
    const data: ContainerData = {
      functionName: options.name,
      bundlePath: options.bundlePath,
      memoryMb: options.memoryMb,
      logStream: `local/[$LATEST]${id}`,
      provided: options.provided.map((pattern) => pattern.replace(/\*$/, '')),
      providedFrom: options.providedFrom,
    };
    const worker = new Worker(containerScript, {
      workerData: data,
      env: {
        ...options.env,
        AWS_LAMBDA_FUNCTION_NAME: options.name,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb),
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.name}`,
        AWS_LAMBDA_LOG_STREAM_NAME: data.logStream,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        LAMBDA_TASK_ROOT: resolve(options.bundlePath, '..'),
      },
      // Lambda's memory setting bounds the whole sandbox; the heap is what a worker can bound.
      resourceLimits: { maxOldGenerationSizeMb: options.memoryMb },
      // Forwarded below rather than piped: dozens of containers would each add listeners to ours.
      stdout: true,
      stderr: true,
    });
    worker.stdout.on('data', (chunk: Buffer) => process.stdout.write(chunk));
    worker.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    // Containers do not keep a stopping stack alive.
    worker.unref();
    const container: Container = {
      id,
      worker,
      dead: false,
      initReported: false,
      ready: new Promise((resolveReady) => {
        worker.on('message', (message: FromContainer) => {
          if (message.type === 'ready') {
            container.initMs = message.initMs;
            resolveReady({ initMs: message.initMs });
          } else if (message.type === 'init-error') {
            resolveReady({ error: message.error });
          } else if (container.current?.id === message.id) {
            container.current.settle(message);
          }
        });
        const died = (error: InvokeError) => {
          resolveReady({ error });
          container.current?.settle({ type: 'exit', error });
          this.discard(container);
        };
        worker.on('error', (error: Error & { code?: string }) =>
          died({
            errorType:
              error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
            errorMessage: `The container ended: ${error.message}`,
          }),
        );
        worker.on('exit', (code) => {
          if (container.dead) return;
          died({ errorType: 'Runtime.ExitError', errorMessage: `The container exited with status ${code}` });
        });
      }),
    };
    this.all.add(container);
    return container;
  }
}
