import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { maxItemBytes } from '#table/limits.ts';
import {
  canonicalEntries,
  decodeChunk,
  encodeChunks,
  manifestDigest,
  maxChunkDataBytes,
} from './manifest.ts';

const sha = (n: number) => n.toString(16).padStart(64, '0');

describe('manifests (offline)', () => {
  test('the digest is SHA-256 over "<sha256> <size> <path>\\n" lines sorted by path bytes, whatever the input order', () => {
    const entries = [
      { path: 'b.csv', sha256: sha(2), size: 20 },
      { path: 'a.csv', sha256: sha(1), size: 10 },
    ];
    const expected = createHash('sha256')
      .update(`${sha(1)} 10 a.csv\n${sha(2)} 20 b.csv\n`)
      .digest('hex');

    expect(manifestDigest(entries)).toBe(expected);
    expect(manifestDigest([...entries].reverse())).toBe(expected);
  });

  test('canonical order is by UTF-8 bytes, so every client sorts the same way', () => {
    const entries = canonicalEntries([
      { path: '\u{1F600}.txt', sha256: sha(1), size: 1 },
      { path: '\uFF21.txt', sha256: sha(2), size: 1 },
      { path: 'Z.txt', sha256: sha(3), size: 1 },
      { path: 'a.txt', sha256: sha(4), size: 1 },
    ]);
    // UTF-16 order would put the emoji (a surrogate pair, 0xD83D…) before U+FF21; UTF-8 does not.
    expect(entries.map((entry) => entry.path)).toEqual(['Z.txt', 'a.txt', '\uFF21.txt', '\u{1F600}.txt']);
  });

  test('chunks stay below the item limit and decode to the same entries in order', () => {
    const entries = Array.from({ length: 9000 }, (_, i) => ({
      path: `folder/${'x'.repeat(40)}/${String(i).padStart(6, '0')}.bin`,
      sha256: sha(i),
      size: i,
    }));

    const chunks = encodeChunks(entries);

    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(maxChunkDataBytes);
    expect(maxChunkDataBytes).toBeLessThan(maxItemBytes);
    expect(chunks.flatMap(decodeChunk)).toEqual(entries);
  });
});
