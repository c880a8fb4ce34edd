import { z } from 'zod';

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const noControl = /^[^\u0000-\u001f\u007f]*$/;

/** MLflow's limits, so that anything an MLflow client logs fits, and nothing larger sneaks in. */
export const fieldLimits = { keyLength: 250, paramValueLength: 6000, tagValueLength: 8000 } as const;

/** A param, tag or metric key. */
export const EntryKey = z
  .string()
  .min(1, 'must not be empty')
  .max(fieldLimits.keyLength, `must be at most ${fieldLimits.keyLength} characters`)
  .regex(noControl, 'must not contain control characters');

export const TagValue = z
  .string()
  .max(fieldLimits.tagValueLength, `must be at most ${fieldLimits.tagValueLength} characters`);
export const ParamValue = z
  .string()
  .max(fieldLimits.paramValueLength, `must be at most ${fieldLimits.paramValueLength} characters`);

export const Description = z.string().max(5000, 'must be at most 5000 characters');

/** Query-string lists arrive as one value or many (`orderBy=a&orderBy=b`). */
export const QueryList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : [value]));

export const ViewType = z.enum(['active', 'deleted', 'all']);
export type ViewType = z.infer<typeof ViewType>;

export const lifecycleStages = ['active', 'deleted'] as const;
export type LifecycleStage = (typeof lifecycleStages)[number];
