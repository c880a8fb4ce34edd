import { z } from 'zod';
import { EntryKey, ParamValue, TagValue } from '#functions/experiments/fields.ts';
import { ExperimentId } from '#functions/experiments/schema.ts';
import { LoggedModelId } from '#functions/logged-models/schema.ts';
import { RunId } from '#functions/runs/schema.ts';
import { userMap } from '#table/user-maps.ts';

/*
 * The field types of MLflow's wire format (protobuf JSON, as MLflow's clients write it), each
 * reduced to the Cairn type that validates it. The value rules (key lengths, id formats, metric
 * values) are the domains' own schemas; this file only undoes the encoding.
 */

/**
 * An int64: the Python client sends JSON numbers, protobuf JSON and query strings send decimal
 * strings. Either becomes a safe integer.
 */
export const Int64 = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^-?\d+$/, 'must be an integer'),
  ])
  .transform(Number)
  .pipe(z.number().int('must be an integer').min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER));

/** A protobuf enum, sent by name (`"ACTIVE_ONLY"`) or by number (`1`, `"1"`). */
function protoEnum<const Names extends readonly [string, ...string[]]>(
  names: Names,
  numbers: Readonly<Record<number, Names[number]>>,
) {
  return z
    .union([z.enum(names), z.number(), z.string().regex(/^\d+$/)])
    .transform((value) =>
      typeof value === 'string' && !/^\d+$/.test(value) ? value : numbers[Number(value)],
    )
    .pipe(z.enum(names, { error: `must be one of ${names.join(', ')}` }));
}

/** A repeated field: a list in JSON, one value or a repeated key in a query string. */
export function repeated<S extends z.ZodType>(item: S) {
  return z
    .union([z.array(item), item])
    .transform((value) => (Array.isArray(value) ? value : [value]) as z.output<S>[]);
}

/** Experiment ids are strings in MLflow, but hand-written clients send numbers too. */
export const WireExperimentId = z
  .union([z.string(), z.number().int().min(0)])
  .transform(String)
  .pipe(ExperimentId);

export const WireRunId = RunId;
export const WireModelId = LoggedModelId;

/** `{ key, value }` lists, as MLflow sends tags and params. */
export const TagList = z.array(z.object({ key: EntryKey, value: TagValue }));
export const ParamList = z.array(z.object({ key: EntryKey, value: ParamValue }));

/** A `{ key, value }` list as a record; a repeated key keeps its last value, as MLflow's stores do. */
export function toRecord(
  list: readonly { key: string; value: string }[] | undefined,
): Record<string, string> {
  return userMap((list ?? []).map(({ key, value }) => [key, value]));
}

/**
 * A request about one run, with the run's id as `runId`. MLflow's clients send both `run_id` and
 * its deprecated alias `run_uuid`; older ones send only the alias.
 */
export function aboutRun<Shape extends z.ZodRawShape>(shape: Shape) {
  type Fields = z.output<z.ZodObject<Shape>>;
  return z
    .object({ ...shape, run_id: WireRunId.optional(), run_uuid: WireRunId.optional() })
    .refine(
      (value) => {
        const ref = value as { run_id?: string; run_uuid?: string };
        return ref.run_id !== undefined || ref.run_uuid !== undefined;
      },
      { message: 'give run_id', path: ['run_id'] },
    )
    .transform((value) => {
      const { run_id, run_uuid, ...rest } = value as { run_id?: string; run_uuid?: string };
      return { ...(rest as Fields), runId: (run_id ?? run_uuid) as string };
    });
}

const viewTypes = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;
export const ViewType = protoEnum(viewTypes, { 1: 'ACTIVE_ONLY', 2: 'DELETED_ONLY', 3: 'ALL' });

/** MLflow's view type as Cairn's. */
export const cairnViewType = {
  ACTIVE_ONLY: 'active',
  DELETED_ONLY: 'deleted',
  ALL: 'all',
} as const satisfies Record<(typeof viewTypes)[number], string>;

export const RunStatus = protoEnum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'], {
  1: 'RUNNING',
  2: 'SCHEDULED',
  3: 'FINISHED',
  4: 'FAILED',
  5: 'KILLED',
});

export const LoggedModelStatus = protoEnum(
  ['LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'],
  { 1: 'LOGGED_MODEL_PENDING', 2: 'LOGGED_MODEL_READY', 3: 'LOGGED_MODEL_UPLOAD_FAILED' },
);

/** A query-string value that should be one string: the last of repeated keys wins. */
export const OneString = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? (value.at(-1) as string) : value));
