import { describe, expect, test } from 'vitest';
import { CairnError } from '#http/errors.ts';
import { baseName, isWithin, joinPath, normalisePath } from './paths.ts';

const reasonOf = (path: string) => {
  try {
    normalisePath(path);
  } catch (error) {
    return (error as CairnError).details?.reason;
  }
  return undefined;
};

describe('artifact paths (offline)', () => {
  test('canonical form: no "." or empty segments, no trailing slash, NFC', () => {
    expect(normalisePath('./a//b/./c.txt/')).toBe('a/b/c.txt');
    expect(normalisePath('cafe\u0301.csv')).toBe('caf\u00e9.csv');
    expect(normalisePath('', { allowEmpty: true })).toBe('');
    expect(normalisePath('./', { allowEmpty: true })).toBe('');
    expect(joinPath('out/', 'a.txt')).toBe('out/a.txt');
    expect(joinPath('', 'a.txt')).toBe('a.txt');
  });

  test('refused, never repaired: traversal, absolute, backslash, control characters, empty', () => {
    expect(reasonOf('../x')).toBe('contains ".."');
    expect(reasonOf('a/b/..')).toBe('contains ".."');
    expect(reasonOf('/x')).toMatch(/absolute/);
    expect(reasonOf('c:x')).toMatch(/absolute/);
    expect(reasonOf('a\\b')).toMatch(/backslash/);
    expect(reasonOf('a\u0000b')).toMatch(/control/);
    expect(reasonOf('a\u007fb')).toMatch(/control/);
    expect(reasonOf('')).toBe('is empty');
    expect(reasonOf('./.')).toBe('is empty');
    expect(reasonOf(`${'x'.repeat(256)}/y`)).toMatch(/longer than 255/);
    expect(reasonOf('x/'.repeat(600))).toMatch(/longer than 1024/);
    expect(() => normalisePath('..')).toThrow(CairnError);
  });

  test('"..." and names with dots are ordinary names', () => {
    expect(normalisePath('.../..a/b..')).toBe('.../..a/b..');
  });

  test('folders contain their descendants only, and the root contains everything', () => {
    expect(isWithin('data/a.csv', 'data')).toBe(true);
    expect(isWithin('data', 'data')).toBe(true);
    expect(isWithin('database.csv', 'data')).toBe(false);
    expect(isWithin('x', '')).toBe(true);
    expect(baseName('a/b/c.txt')).toBe('c.txt');
    expect(baseName('c.txt')).toBe('c.txt');
  });
});
