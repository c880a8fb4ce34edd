import type { Run } from './schema.ts';

/**
 * MLflow keeps some run attributes twice, as attributes and as system tags, and its users filter
 * on the tags (`tags.mlflow.runName = 'x'`). Cairn keeps them once, as attributes, and derives
 * the tags, so the two can never disagree.
 */
export const attributeTag = {
  name: 'mlflow.runName',
  user: 'mlflow.user',
  parentRunId: 'mlflow.parentRunId',
} as const;

/** The system tags derived from a run's attributes. */
export function attributeTagsOf(run: Pick<Run, 'name' | 'user' | 'parentRunId'>): Record<string, string> {
  const tags: Record<string, string> = { [attributeTag.name]: run.name, [attributeTag.user]: run.user };
  if (run.parentRunId) tags[attributeTag.parentRunId] = run.parentRunId;
  return tags;
}
