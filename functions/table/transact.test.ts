import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, test } from 'vitest';
import { table } from './client.ts';
import { maxItemBytes } from './limits.ts';
import { type TransactItem, type TransactPlan, transactWrite } from './transact.ts';

/*
 * Against DynamoDB Local: what DynamoDB answers to an oversized item, an invalid update or a racing
 * writer is the behaviour under test, so none of it is simulated.
 */

class Busy extends Error {}
class TooLarge extends Error {}
class Taken extends Error {}
const policy = { busy: () => new Busy(), tooLarge: () => new TooLarge() };

const key = () => ({ pk: `transact-${randomBytes(6).toString('hex')}`, sk: 'item' });

/** Runs `plan` through the helper, counting how many times it was asked to plan. */
async function counted<R>(
  plan: (attempt: number) => Promise<TransactPlan<R>> | TransactPlan<R>,
  options = {},
) {
  let plans = 0;
  const outcome = await transactWrite(
    (attempt) => {
      plans++;
      return plan(attempt);
    },
    { ...policy, ...options },
  ).then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error }),
  );
  return { ...outcome, plans };
}

describe('transactWrite: refusals fail once, with their own error', () => {
  test('an update that would grow an item past 400 KB is too large, planned once', async () => {
    const { name, doc } = table();
    const at = key();
    await doc.send(new PutCommand({ TableName: name, Item: { ...at, data: 'x'.repeat(300 * 1024) } }));
    const grow: TransactItem = {
      Update: {
        TableName: name,
        Key: at,
        UpdateExpression: 'SET more = :more',
        ExpressionAttributeValues: { ':more': 'y'.repeat(200 * 1024) },
      },
    };

    const { error, plans } = await counted(() => ({ items: [grow], result: 'grown' }));

    expect(error).toBeInstanceOf(TooLarge);
    expect(plans).toBe(1);
  });

  test('a new item over 400 KB is too large, planned once', async () => {
    const { name } = table();
    const put: TransactItem = {
      Put: { TableName: name, Item: { ...key(), data: 'x'.repeat(maxItemBytes + 1) } },
    };

    const { error, plans } = await counted(() => ({ items: [put], result: 'put' }));

    expect(error).toBeInstanceOf(TooLarge);
    expect(plans).toBe(1);
  });

  test('an invalid update is thrown as DynamoDB said it, planned once', async () => {
    const { name } = table();
    const invalid: TransactItem = {
      Update: {
        TableName: name,
        Key: key(),
        UpdateExpression: 'SET a = a + :text',
        ExpressionAttributeValues: { ':text': 'not a number' },
      },
    };
    const other: TransactItem = { Put: { TableName: name, Item: key() } };

    const { error, plans } = await counted(() => ({ items: [other, invalid], result: 'never' }));

    expect((error as Error).name).toBe('ValidationException');
    expect(plans).toBe(1);
  });

  test('a condition that means a real state is its typed error, planned once; an unread one is thrown as is', async () => {
    const { name, doc } = table();
    const at = key();
    await doc.send(new PutCommand({ TableName: name, Item: at }));
    const claim: TransactItem = {
      Put: { TableName: name, Item: at, ConditionExpression: 'attribute_not_exists(pk)' },
    };

    const read = await counted(() => ({
      items: [claim],
      result: 'claimed',
      onConditionFailed: () => new Taken(),
    }));
    const unread = await counted(() => ({ items: [claim], result: 'claimed' }));

    expect(read.error).toBeInstanceOf(Taken);
    expect(read.plans).toBe(1);
    expect((unread.error as Error).name).toBe('TransactionCanceledException');
    expect(unread.plans).toBe(1);
  });
});

describe('transactWrite: conflicts are planned again', () => {
  /** Increments a counter on the revision it read: the optimistic pattern of the registry. */
  const increment = (at: { pk: string; sk: string }) => async (): Promise<TransactPlan<number>> => {
    const { name, doc } = table();
    const { Item } = await doc.send(new GetCommand({ TableName: name, Key: at, ConsistentRead: true }));
    const rev = (Item?.rev as number | undefined) ?? 0;
    return {
      items: [
        {
          Put: {
            TableName: name,
            Item: { ...at, rev: rev + 1 },
            ConditionExpression: 'attribute_not_exists(rev) OR rev = :rev',
            ExpressionAttributeValues: { ':rev': rev },
          },
        },
      ],
      result: rev + 1,
      onConditionFailed: () => 'stale',
    };
  };

  test('twelve concurrent writers of one item all commit, each on its own revision', async () => {
    const { name, doc } = table();
    const at = key();

    const results = await Promise.all(Array.from({ length: 12 }, () => counted(increment(at))));

    expect(results.map((result) => result.error)).toEqual(Array(12).fill(undefined));
    expect(results.map((result) => result.value).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    // Someone had to plan again: the race was real.
    expect(results.reduce((sum, result) => sum + result.plans, 0)).toBeGreaterThan(12);
    const { Item } = await doc.send(new GetCommand({ TableName: name, Key: at, ConsistentRead: true }));
    expect(Item?.rev).toBe(12);
  });

  test('a conflict that never clears ends as busy after the bounded attempts', async () => {
    const { name, doc } = table();
    const at = key();
    await doc.send(new PutCommand({ TableName: name, Item: { ...at, rev: 5 } }));
    const stale: TransactItem = {
      Put: {
        TableName: name,
        Item: { ...at, rev: 1 },
        ConditionExpression: 'rev = :old',
        ExpressionAttributeValues: { ':old': 0 },
      },
    };

    const { error, plans } = await counted(
      () => ({ items: [stale], result: 'never', onConditionFailed: () => 'stale' as const }),
      { maxAttempts: 3 },
    );

    expect(error).toBeInstanceOf(Busy);
    expect(plans).toBe(3);
  });
});
