// One Lambda execution environment ("container") of the local stack, run in a worker thread by
// `lambda-runtime.ts`: it loads a function's bundle once (the cold start, timed), then runs
// invocations one at a time with the event and a context as the Node.js runtime passes them.
// Its module state belongs to it alone, as a container's does on AWS.
import { isBuiltin, registerHooks } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

export interface ContainerData {
  functionName: string;
  bundlePath: string;
  memoryMb: number;
  logStream: string;
  /** Package name prefixes the Lambda runtime provides (the AWS SDK), resolved from here. */
  provided: string[];
  providedFrom: string;
}

export type ToContainer = {
  type: 'invoke';
  id: number;
  event: unknown;
  requestId: string;
  /** Epoch ms at which Lambda stops the invocation. */
  deadline: number;
};

export interface InvokeError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type FromContainer =
  | { type: 'ready'; initMs: number }
  | { type: 'init-error'; error: InvokeError }
  | { type: 'result'; id: number; payload: string }
  | { type: 'error'; id: number; error: InvokeError };

const data = workerData as ContainerData;
const port = parentPort!;
const bundleRoot = pathToFileURL(`${dirname(data.bundlePath)}/`).href;
const providedFrom = pathToFileURL(data.providedFrom).href;

// The bundle may import Node's built-ins and what the runtime provides, nothing else: a package
// left out of the bundle by mistake fails here as it would on AWS.
registerHooks({
  resolve(specifier, context, next) {
    const fromBundle = context.parentURL?.startsWith(bundleRoot);
    if (!fromBundle || isBuiltin(specifier) || /^(\.|\/|file:|data:)/.test(specifier)) {
      return next(specifier, context);
    }
    if (data.provided.some((prefix) => specifier.startsWith(prefix))) {
      return next(specifier, { ...context, parentURL: providedFrom });
    }
    const error = new Error(
      `Cannot find package '${specifier}' imported from ${context.parentURL}: the Lambda runtime provides only ${data.provided.join(', ')}`,
    ) as Error & { code: string };
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  },
});

// What `NODE_OPTIONS=--enable-source-maps` does for the deployed functions.
process.setSourceMapsEnabled(true);

function describe(error: unknown): InvokeError {
  if (error instanceof Error) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      trace: error.stack?.split('\n'),
    };
  }
  return { errorType: 'Error', errorMessage: String(error) };
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

let handler: Handler;
const started = performance.now();
try {
  const loaded = (await import(pathToFileURL(data.bundlePath).href)) as { handler?: Handler };
  if (typeof loaded.handler !== 'function') {
    throw Object.assign(new Error(`${data.bundlePath} does not export "handler"`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  handler = loaded.handler;
  port.postMessage({ type: 'ready', initMs: performance.now() - started } satisfies FromContainer);
} catch (error) {
  const described = describe(error);
  if (!described.errorType.startsWith('Runtime.')) described.errorType = 'Runtime.ImportModuleError';
  port.postMessage({ type: 'init-error', error: described } satisfies FromContainer);
}

const region = process.env.AWS_REGION ?? 'us-east-1';

port.on('message', async (message: ToContainer) => {
  if (message.type !== 'invoke') return;
  const { id, event, requestId, deadline } = message;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: data.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${data.functionName}`,
    memoryLimitInMB: String(data.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${data.functionName}`,
    logStreamName: data.logStream,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
  try {
    const result = await handler(event, context);
    // The runtime returns what JSON.stringify makes of the result; `undefined` becomes null.
    const payload = JSON.stringify(result) ?? 'null';
    port.postMessage({ type: 'result', id, payload } satisfies FromContainer);
  } catch (error) {
    const described = describe(error);
    console.error(
      `${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(described)}`,
    );
    port.postMessage({ type: 'error', id, error: described } satisfies FromContainer);
  }
});
