import type { z } from 'zod';
import type { Caller } from './caller.ts';

export interface OperationInput<P, Q, B> {
  /** On public routes, `anonymous`: no tenant, no role. */
  caller: Caller;
  path: P;
  query: Q;
  body: B;
  requestId: string;
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * One API operation: its edge schemas and its handler. Handlers get parsed, typed input and never
 * see the Lambda event.
 */
export interface Operation<
  P extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  B extends Schema | undefined = Schema | undefined,
> {
  summary: string;
  path?: P;
  query?: Q;
  body?: B;
  /** Success body, for the OpenAPI document. */
  response?: Schema;
  /** Status of a successful reply, when not 200. */
  status?: number;
  /**
   * The body is the request's bytes, handed over as a `Buffer` (the body schema checks it), not
   * JSON: for MLflow's artifact proxy, whose clients PUT files as they are.
   */
  rawBody?: boolean;
  /** Returns the success body, rendered as JSON, or a `Reply` sent as it is. */
  handle(input: OperationInput<Out<P>, Out<Q>, Out<B>>): Promise<unknown>;
}

/** Declares an operation with inference for its handler's input. */
export function operation<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(def: Operation<P, Q, B>): Operation {
  return def as unknown as Operation;
}

export type Operations = Record<string, Operation>;

/**
 * A reply that is not a JSON body, such as a redirect to a presigned download URL, for the few
 * operations whose protocol wants one.
 *
 * @example
 * return new Reply(307, { location: url });
 */
export class Reply {
  readonly statusCode: number;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, headers: Record<string, string> = {}) {
    this.statusCode = statusCode;
    this.headers = headers;
  }
}
