import { describe, expect, test } from 'vitest';
import { CairnError } from './errors.ts';

describe('CairnError.is (offline)', () => {
  const notFound = new CairnError('runs.not_found', 'Run abc does not exist', {
    status: 404,
    requestId: 'req-1',
  });

  test('a code ending in a dot matches every code under it', () => {
    expect(CairnError.is(notFound, 'runs.')).toBe(true);
    expect(CairnError.is(notFound, 'keys.')).toBe(false);
    expect(CairnError.is(notFound, 'run')).toBe(false);
  });

  test('any other code must match exactly', () => {
    expect(CairnError.is(notFound, 'runs.not_found')).toBe(true);
    expect(CairnError.is(notFound, 'runs.not')).toBe(false);
  });

  test('without a code it tells CairnErrors from other errors', () => {
    expect(CairnError.is(notFound)).toBe(true);
    expect(CairnError.is(new Error('runs.not_found'))).toBe(false);
    expect(CairnError.is({ code: 'runs.not_found' })).toBe(false);
    expect(CairnError.is(undefined)).toBe(false);
  });

  test('errors from another copy of the SDK in the same process are recognised', () => {
    const foreign = Object.assign(Object.create({ [Symbol.for('cairn.sdk.CairnError')]: true }), {
      code: 'runs.not_found',
    });

    expect(CairnError.is(foreign, 'runs.')).toBe(true);
  });

  test('carries what the server said, and prints as code: message', () => {
    expect(notFound).toMatchObject({
      status: 404,
      code: 'runs.not_found',
      requestId: 'req-1',
      name: 'CairnError',
    });
    expect(notFound).toBeInstanceOf(Error);
    expect(String(notFound)).toBe('runs.not_found: Run abc does not exist');
  });
});
