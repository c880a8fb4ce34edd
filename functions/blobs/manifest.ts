import { createHash } from 'node:crypto';
import { CairnError } from '#http/errors.ts';
import { maxItemBytes } from '#table/limits.ts';
import { normalisePath } from './paths.ts';

/** One file of a manifest, its path normalised. */
export interface ManifestEntry {
  path: string;
  sha256: string;
  size: number;
}

/** Room left in an item for its keys and other attributes. */
export const maxChunkDataBytes = maxItemBytes - 48 * 1024;

const byPathBytes = (a: ManifestEntry, b: ManifestEntry) =>
  Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));

/**
 * Normalises every path (see `normalisePath`) under `prefix`, refuses two entries for one path,
 * and sorts by the paths' UTF-8 bytes: the canonical order.
 */
export function canonicalEntries(
  files: readonly { path: string; sha256: string; size: number }[],
  prefix = '',
): ManifestEntry[] {
  const head = normalisePath(prefix, { allowEmpty: true });
  const seen = new Set<string>();
  const entries = files.map((file) => {
    const path = head ? `${head}/${normalisePath(file.path)}` : normalisePath(file.path);
    if (seen.has(path)) {
      throw new CairnError('blobs.invalid_path', `Path "${path}" appears twice`, {
        path,
        reason: 'duplicate',
      });
    }
    seen.add(path);
    return { path, sha256: file.sha256, size: file.size };
  });
  return entries.sort(byPathBytes);
}

/**
 * A manifest's identity: SHA-256 over one line per file, `<sha256> <size> <path>\n`, in the
 * canonical order. Any client can compute it without a JSON library's quirks; paths cannot hold
 * newlines (control characters are refused).
 *
 * @example
 * manifestDigest([{ path: 'a.csv', sha256: 'e3b0…', size: 0 }]); // sha256("e3b0… 0 a.csv\n")
 */
export function manifestDigest(entries: readonly ManifestEntry[]): string {
  const hash = createHash('sha256');
  for (const entry of [...entries].sort(byPathBytes))
    hash.update(`${entry.sha256} ${entry.size} ${entry.path}\n`);
  return hash.digest('hex');
}

/** Splits entries into JSON strings that each fit one item: `[[path, sha256, size], …]`. */
export function encodeChunks(entries: readonly ManifestEntry[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let bytes = 2;
  for (const entry of entries) {
    const encoded = JSON.stringify([entry.path, entry.sha256, entry.size]);
    const size = Buffer.byteLength(encoded) + 1;
    if (current.length && bytes + size > maxChunkDataBytes) {
      chunks.push(`[${current.join(',')}]`);
      current = [];
      bytes = 2;
    }
    current.push(encoded);
    bytes += size;
  }
  if (current.length || chunks.length === 0) chunks.push(`[${current.join(',')}]`);
  return chunks;
}

export function decodeChunk(data: string): ManifestEntry[] {
  return (JSON.parse(data) as [string, string, number][]).map(([path, sha256, size]) => ({
    path,
    sha256,
    size,
  }));
}

export const totalSize = (entries: readonly ManifestEntry[]) =>
  entries.reduce((sum, entry) => sum + entry.size, 0);
