import { describe, expect, test } from 'vitest';
import { itemKinds, matchesFilter, streamConsumers } from './stream-consumers.ts';

const outbox = streamConsumers.find((consumer) => consumer.name === 'outbox')!;
const record = (eventName: string, image?: Record<string, unknown>) => ({
  eventName,
  dynamodb: { SequenceNumber: '1', ...(image ? { NewImage: image } : {}) },
});

describe('stream filters (offline)', () => {
  test('the outbox consumer sees outbox items as they are written or touched, nothing else', () => {
    const item = { pk: { S: 'acme#OUTBOX' }, kind: { S: itemKinds.outbox } };
    expect(matchesFilter(record('INSERT', item), outbox.filter)).toBe(true);
    expect(matchesFilter(record('MODIFY', item), outbox.filter)).toBe(true);
    // Its own delete (and DynamoDB's TTL) leaves no new image: never handed back to it.
    expect(matchesFilter(record('REMOVE'), outbox.filter)).toBe(false);
    expect(matchesFilter(record('INSERT', { pk: { S: 'acme#AUDIT' } }), outbox.filter)).toBe(false);
    expect(matchesFilter(record('INSERT', { kind: { S: 'upload' } }), outbox.filter)).toBe(false);
    expect(matchesFilter(record('INSERT', { kind: { N: '1' } }), outbox.filter)).toBe(false);
  });

  test('fields are matched as data: a prototype name is not a field the record has', () => {
    const filter = { constructor: ['x'] } as never;
    expect(matchesFilter({}, filter)).toBe(false);
    expect(matchesFilter({ constructor: 'x' }, filter)).toBe(true);
  });

  test('every consumer names a handler file and a filter Lambda accepts (values are lists of strings)', () => {
    const leaves = (filter: object): unknown[] =>
      Object.values(filter).flatMap((value) => (Array.isArray(value) ? [value] : leaves(value)));
    for (const consumer of streamConsumers) {
      expect(consumer.entry).toMatch(/^[a-z-]+\/[a-z-]+\.ts$/);
      for (const leaf of leaves(consumer.filter)) {
        expect(Array.isArray(leaf) && leaf.every((value) => typeof value === 'string')).toBe(true);
      }
    }
  });
});
