import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { resolveConnection } from './config.ts';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project folder with `.cairn/local.json` and a nested working folder. */
function project(config: Record<string, string>): { root: string; nested: string } {
  const root = mkdtempSync(join(tmpdir(), 'cairn-sdk-config-'));
  made.push(root);
  mkdirSync(join(root, '.cairn'));
  writeFileSync(join(root, '.cairn', 'local.json'), JSON.stringify(config));
  const nested = join(root, 'notebooks', 'iris');
  mkdirSync(nested, { recursive: true });
  return { root, nested };
}

const local = {
  url: 'http://127.0.0.1:8080',
  tenant: 'default',
  apiKey: 'cairn_local',
  operatorKey: 'cairn_operator',
};

describe('where the client finds its server and keys (offline)', () => {
  test('options win over the environment', () => {
    const connection = resolveConnection(
      { url: 'https://cairn.example.com/', apiKey: 'cairn_option' },
      { CAIRN_URL: 'http://env', CAIRN_API_KEY: 'cairn_env' },
    );

    expect(connection.url).toBe('https://cairn.example.com');
    expect(connection.apiKey).toBe('cairn_option');
  });

  test('the environment is used when there are no options', () => {
    const connection = resolveConnection(
      {},
      { CAIRN_URL: 'http://env:1', CAIRN_API_KEY: 'cairn_env', CAIRN_OPERATOR_KEY: 'cairn_op' },
    );

    expect(connection).toMatchObject({ url: 'http://env:1', apiKey: 'cairn_env' });
    expect(connection.operatorKey()).toBe('cairn_op');
  });

  test('.cairn/local.json is found by walking up from the working folder', () => {
    const { nested } = project(local);

    const connection = resolveConnection({}, {}, nested);

    expect(connection).toMatchObject({ url: local.url, apiKey: local.apiKey });
    expect(connection.operatorKey()).toBe(local.operatorKey);
  });

  test('CAIRN_DATA_DIR points straight at the folder holding local.json', () => {
    const { root } = project(local);
    const elsewhere = mkdtempSync(join(tmpdir(), 'cairn-sdk-cwd-'));
    made.push(elsewhere);

    const connection = resolveConnection({}, { CAIRN_DATA_DIR: join(root, '.cairn') }, elsewhere);

    expect(connection).toMatchObject({ url: local.url, apiKey: local.apiKey });
  });

  test("local.json's keys are never sent to a server named elsewhere", () => {
    const { nested } = project(local);

    const connection = resolveConnection({}, { CAIRN_URL: 'https://cairn.example.com' }, nested);

    expect(connection.url).toBe('https://cairn.example.com');
    expect(connection.apiKey).toBeUndefined();
    expect(connection.operatorKey()).toBeUndefined();
  });

  test('local.json fills in the key when the URL given is its own', () => {
    const { nested } = project(local);

    const connection = resolveConnection({}, { CAIRN_URL: `${local.url}/` }, nested);

    expect(connection.apiKey).toBe(local.apiKey);
  });

  test('nothing configured: a clear error that says what to set', () => {
    const empty = mkdtempSync(join(tmpdir(), 'cairn-sdk-empty-'));
    made.push(empty);

    expect(() => resolveConnection({}, {}, empty)).toThrow(
      expect.objectContaining({
        code: 'client.not_configured',
        message: expect.stringContaining('CAIRN_URL'),
      }),
    );
  });

  test('a URL that is not one is refused up front', () => {
    expect(() => resolveConnection({ url: 'localhost 8080' }, {})).toThrow(
      expect.objectContaining({ code: 'client.not_configured' }),
    );
  });

  test('a broken local.json is reported with its path', () => {
    const { root, nested } = project(local);
    writeFileSync(join(root, '.cairn', 'local.json'), '{ not json');

    expect(() => resolveConnection({}, {}, nested)).toThrow(
      expect.objectContaining({ message: expect.stringContaining(join(root, '.cairn', 'local.json')) }),
    );
  });
});
