import { z } from 'zod';
import { userRecord } from '#http/user-record.ts';
import { Description, EntryKey, lifecycleStages, QueryList, TagValue, ViewType } from './fields.ts';

/** Numeric strings, as MLflow's: "0" is each tenant's Default experiment. */
export const ExperimentId = z.string().regex(/^(0|[1-9]\d{0,17})$/, 'must be an experiment id (digits)');
export type ExperimentId = z.infer<typeof ExperimentId>;

export const defaultExperiment = { id: '0', name: 'Default' } as const;

export const ExperimentName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(500, 'must be at most 500 characters')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

export const Experiment = z.object({
  id: ExperimentId,
  name: z.string(),
  description: z.string(),
  lifecycleStage: z.enum(lifecycleStages),
  tags: z.record(z.string(), z.string()),
  artifactLocation: z.string(),
  createdAt: z.number().describe('ms since the epoch'),
  updatedAt: z.number(),
  runCount: z.number(),
  lastRunAt: z.number().nullable(),
});
export type Experiment = z.infer<typeof Experiment>;

export const CreateExperimentBody = z.strictObject({
  name: ExperimentName,
  description: Description.optional(),
  tags: userRecord(EntryKey, TagValue).optional(),
});

export const UpdateExperimentBody = z
  .strictObject({
    name: ExperimentName.optional(),
    description: Description.optional(),
    /** A null value deletes the tag. */
    tags: userRecord(EntryKey, TagValue.nullable()).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'give at least one of name, description, tags');

export const ExperimentPath = z.strictObject({ experimentId: ExperimentId });
export const ByNameQuery = z.strictObject({ name: ExperimentName });

export const ListExperimentsQuery = z.strictObject({
  filter: z.string().max(4000).optional(),
  orderBy: QueryList.optional(),
  maxResults: z.coerce.number().int().min(1).max(1000).default(100),
  pageToken: z.string().max(2000).optional(),
  viewType: ViewType.default('active'),
});
