import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, test } from 'vitest';
import {
  fromStoredMap,
  patched,
  storedKey,
  toStoredMap,
  userKeyOf,
  userMap,
  valueAt,
  without,
} from './user-maps.ts';

/* Pure tests (no emulator): the in-memory maps, and what the SDK's own marshaller does to stored ones. */

const hostile = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

describe('user maps (pure)', () => {
  test('every name is an own key, and nothing is inherited', () => {
    const map = userMap(hostile.map((name) => [name, `v:${name}`] as const));

    expect(Object.keys(map).sort()).toEqual([...hostile].sort());
    for (const name of hostile) expect(valueAt(map, name)).toBe(`v:${name}`);
    expect(valueAt(userMap(), 'toString')).toBeUndefined();
    expect(Object.keys(patched(map, JSON.parse('{"__proto__":null,"constructor":null}')))).toHaveLength(
      hostile.length - 2,
    );
    expect(Object.keys(without(map, (name) => name === '__proto__'))).not.toContain('__proto__');
  });

  test("escaped maps survive the SDK's marshaller, which loses or chokes on these names unescaped", () => {
    const map = userMap(hostile.map((name) => [name, `v:${name}`] as const));
    // The reason for escaping, shown on the SDK itself: `__proto__` vanishes, `constructor` throws.
    expect(() => marshall({ tags: { ...map } })).toThrow();
    expect(Object.keys(unmarshall(marshall({ tags: { toString: 'x', __proto__x: 'y' } })).tags)).toHaveLength(
      2,
    );

    const through = unmarshall(marshall({ tags: toStoredMap(map) })).tags as Record<string, string>;

    expect(Object.entries(fromStoredMap(through)).sort()).toEqual(Object.entries(map).sort());
  });

  test('ordinary keys are stored as they are, so maps written before escaping read the same', () => {
    for (const key of ['lr', 'mlflow.runName', 'a b', 'ключ', '🔥']) {
      expect(storedKey(key)).toBe(key);
      expect(userKeyOf(key)).toBe(key);
    }
    expect(Object.entries(fromStoredMap({ toString: 'legacy', lr: '0.1' }))).toEqual([
      ['toString', 'legacy'],
      ['lr', '0.1'],
    ]);
  });

  test('keys that are not well-formed Unicode are stored as well-formed text and read back exactly', () => {
    for (const key of ['m\ud800', '\udfffx', '\u0001"x"']) {
      expect(storedKey(key).isWellFormed()).toBe(true);
      expect(userKeyOf(storedKey(key))).toBe(key);
    }
  });

  test('a key held both unescaped (from before) and escaped is read once, as `pick` decides', () => {
    const stored = { constructor: 'old', [storedKey('constructor')]: 'new' };

    expect(fromStoredMap(stored).constructor).toBe('new');
    expect(fromStoredMap(stored, (older) => older).constructor).toBe('old');
  });
});
