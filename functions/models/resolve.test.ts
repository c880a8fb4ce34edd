import { describe, expect, test } from 'vitest';
import { parseModelUri, parseRef } from './resolve.ts';
import { isReservedAlias } from './schema.ts';

describe('model refs and URIs (offline)', () => {
  test('a ref is a version number, latest, or an alias', () => {
    expect(parseRef('3')).toEqual({ kind: 'version', version: 3 });
    expect(parseRef('v12')).toEqual({ kind: 'version', version: 12 });
    expect(parseRef('latest')).toEqual({ kind: 'latest' });
    expect(parseRef('production')).toEqual({ kind: 'alias', alias: 'production' });
    expect(() => parseRef('0')).toThrow(expect.objectContaining({ code: 'models.invalid_ref' }));
    expect(() => parseRef('a b')).toThrow(expect.objectContaining({ code: 'models.invalid_ref' }));
  });

  test.each([
    ['models/fraud@production', 'fraud', { kind: 'alias', alias: 'production' }],
    ['models:/fraud@champion', 'fraud', { kind: 'alias', alias: 'champion' }],
    ['fraud@3', 'fraud', { kind: 'version', version: 3 }],
    ['models/fraud/3', 'fraud', { kind: 'version', version: 3 }],
    ['models:/fraud/Production', 'fraud', { kind: 'stage', stage: 'Production' }],
    ['models:/fraud/latest', 'fraud', { kind: 'latest' }],
    ['models/fraud%20detector@prod', 'fraud detector', { kind: 'alias', alias: 'prod' }],
  ])('%s names %s', (uri, name, ref) => {
    expect(parseModelUri(uri)).toEqual({ name, ref });
  });

  test.each([['models/fraud'], ['models/a/b/c'], ['models/fraud/champion'], ['@prod']])(
    '%s is refused',
    (uri) => {
      expect(() => parseModelUri(uri)).toThrow(expect.objectContaining({ code: 'models.invalid_ref' }));
    },
  );

  test('latest and v<digits> are reserved, in any case; other names are free', () => {
    expect(['latest', 'LATEST', 'v1', 'V22', '7'].map(isReservedAlias)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['production', 'v1beta', 'version2', 'vlatest'].map(isReservedAlias)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
