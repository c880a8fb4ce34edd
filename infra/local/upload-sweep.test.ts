import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { removeStaleEmulatorUploads } from './upload-sweep.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the local upload sweep (offline)', () => {
  test("removes the emulator's part folders older than the cutoff and keeps newer ones", async () => {
    const s3Dir = mkdtempSync(join(tmpdir(), 'cairn-sweep-'));
    dirs.push(s3Dir);
    const uploads = join(s3Dir, 'bucket', '._S3rver_uploads');
    for (const id of ['old', 'new']) {
      mkdirSync(join(uploads, id), { recursive: true });
      writeFileSync(join(uploads, id, '1'), 'part');
    }
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    utimesSync(join(uploads, 'old'), twoDaysAgo, twoDaysAgo);

    const removed = await removeStaleEmulatorUploads(s3Dir, 'bucket', 86_400_000);

    expect(removed).toBe(1);
    expect(existsSync(join(uploads, 'old'))).toBe(false);
    expect(existsSync(join(uploads, 'new'))).toBe(true);
  });

  test('a bucket without uploads is nothing to do', async () => {
    expect(await removeStaleEmulatorUploads(join(tmpdir(), 'cairn-none'), 'bucket', 0)).toBe(0);
  });
});
