// Pure key tests: the key-management grant is a set of `dynamodb:LeadingKeys` patterns, so the
// partitions it covers must be ones no tenant can name, whatever it calls its datasets or models.
import { describe, expect, it } from 'vitest';
import { keys } from '#table/keys.ts';
import { keyPartitions } from './key-management-access.ts';

/** IAM's StringLike: `*` is any run of characters, `?` exactly one. */
function stringLike(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

/** Names a tenant chooses (datasets, models, experiments, tags) that spell key-management words. */
const hostileNames = ['KEYS', 'TENANT', 'KEYHASH', 'KEYHASH#x', 'x#KEYS', 'x#TENANT', '*', '#', 'KEYS#acme'];

/** Every tenant data partition the key builders make for these names. */
function tenantPartitions(tenantId: string): string[] {
  const found: string[] = [];
  for (const [name, build] of Object.entries(keys) as [string, (...args: unknown[]) => unknown][]) {
    if (name === 'apiKeyHash' || name === 'tenant' || name === 'apiKeysOf' || name === 'apiKey') continue;
    if (!/^\(?\s*tenantId\b/.test(build.toString())) continue;
    for (const hostile of hostileNames) {
      const built = build(tenantId, hostile, 1, hostile, hostile);
      found.push(typeof built === 'string' ? built : (built as { pk: string }).pk);
    }
  }
  return found;
}

describe('key-management partitions', () => {
  it('cover the tenant item, the key list and the hash lookups', () => {
    const patterns = Object.values(keyPartitions);
    for (const key of [
      keys.tenant('acme').pk,
      keys.apiKeysOf('acme'),
      keys.apiKey('acme', 'key_0123456789abcdef').pk,
      keys.apiKeyHash('0'.repeat(64)).pk,
    ]) {
      expect(
        patterns.some((pattern) => stringLike(pattern, key)),
        key,
      ).toBe(true);
    }
  });

  it('cannot be forged by a tenant naming a dataset, model or experiment KEYS or TENANT', () => {
    const partitions = tenantPartitions('acme');
    expect(partitions).toContain('acme#DS#KEYS');
    for (const partition of partitions) {
      for (const pattern of Object.values(keyPartitions)) {
        expect(stringLike(pattern, partition), `${pattern} matches tenant data ${partition}`).toBe(false);
      }
    }
  });

  it("lie outside every tenant's own prefix, so tenant credentials never reach them", () => {
    for (const tenant of ['acme', 'keys', 'tenant', 'keyhash']) {
      for (const key of [keys.tenant('acme').pk, keys.apiKeysOf('acme'), keys.apiKeyHash('ab').pk]) {
        expect(stringLike(`${tenant}#*`, key), `${tenant} reaches ${key}`).toBe(false);
      }
    }
  });
});
