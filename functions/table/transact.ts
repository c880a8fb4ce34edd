import { setTimeout as sleep } from 'node:timers/promises';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { type Table, table } from './client.ts';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** What a failed condition on one item means: the plan read something stale, or the request is refused. */
export type ConditionReading = 'stale' | Error | undefined;

/** One attempt: the items to write together (none: nothing to do) and what the caller gets once they are written. */
export interface TransactPlan<R> {
  items: TransactItem[];
  result: R;
  /**
   * How to read a failed condition on `items[index]`: `'stale'` when the condition only guards what
   * the plan read (a revision, a state the next read re-checks), so someone wrote meanwhile and the
   * plan is made again; or the typed error it means (a name already taken, a parent gone). A
   * condition without a reading (`undefined`) is not expected to fail: the error is thrown as it came.
   */
  onConditionFailed?: (index: number) => ConditionReading;
}

export interface TransactPolicy {
  /** The domain's error when conflicts outlast every attempt (`*.busy`, which a client may retry). */
  busy: () => Error;
  /**
   * The domain's error when an item would outgrow DynamoDB's 400 KB (`*.too_large`, final). Stores
   * whose items cannot grow leave it out, and DynamoDB's error is thrown as it came.
   */
  tooLarge?: () => Error;
  /** The client to write with; the tenant-scoped `table()` unless the items lie outside every tenant. */
  via?: Table;
  maxAttempts?: number;
}

/** Conflicts, not refusals: another writer, or DynamoDB's own throttling. */
const transientReasons = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

/** Attempts before a run of conflicts is reported as `busy`; full jitter keeps the total near a few seconds. */
export const maxTransactAttempts = 25;
const baseBackoffMs = 10;
const maxBackoffMs = 400;

interface Reason {
  Code?: string;
  Message?: string;
}

const isItemTooLarge = (message: string | undefined) => /item size/i.test(message ?? '');

/**
 * The one way a store writes a transaction. It tells a conflict (another writer got there first:
 * `TransactionConflict`, a throttled item, or a condition the plan marks `'stale'`) from a refusal
 * (an item over 400 KB, a condition that means a real state, an invalid request). Conflicts are
 * planned again after a jittered backoff, at most `maxAttempts` times, then `busy`; a refusal fails
 * at once with its precise error and is never retried.
 *
 *   plan(0) ──► TransactWriteItems ──► committed: result
 *     ▲                  │
 *     │                  ├─ ValidationError (item too large) ──► tooLarge(), at once
 *     │                  ├─ condition with an error reading ──► that error, at once
 *     └── backoff ◄──────┴─ TransactionConflict / throttled / 'stale' condition
 *
 * @example
 * await transactWrite(() => ({ items: [put], result: model, onConditionFailed: () => alreadyExists }), policy);
 */
export async function transactWrite<R>(
  plan: (attempt: number) => Promise<TransactPlan<R>> | TransactPlan<R>,
  policy: TransactPolicy,
): Promise<R> {
  const { doc } = policy.via ?? table();
  const attempts = policy.maxAttempts ?? maxTransactAttempts;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(Math.random() * Math.min(maxBackoffMs, baseBackoffMs * 2 ** attempt));
    const { items, result, onConditionFailed } = await plan(attempt);
    // A plan may find there is nothing to write (the change is already there).
    if (items.length === 0) return result;
    try {
      await doc.send(new TransactWriteCommand({ TransactItems: items }));
      return result;
    } catch (error) {
      const name = (error as { name?: string })?.name;
      if (name === 'ValidationException' && policy.tooLarge && isItemTooLarge((error as Error).message)) {
        throw policy.tooLarge();
      }
      if (name !== 'TransactionCanceledException') throw error;
      const reasons = ((error as { CancellationReasons?: Reason[] }).CancellationReasons ?? []).map(
        (reason) => reason ?? {},
      );
      const invalid = reasons.find((reason) => reason.Code === 'ValidationError');
      if (invalid) {
        if (policy.tooLarge && isItemTooLarge(invalid.Message)) throw policy.tooLarge();
        throw error;
      }
      const readings = reasons.map((reason, index) =>
        reason.Code === 'ConditionalCheckFailed' ? (onConditionFailed?.(index) ?? error) : undefined,
      );
      const retry =
        reasons.some((reason) => transientReasons.has(reason.Code ?? '')) ||
        readings.some((reading) => reading === 'stale');
      if (retry) continue;
      const refusal = readings.find((reading) => reading instanceof Error);
      throw refusal ?? error;
    }
  }
  throw policy.busy();
}
