import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { emulatorUploadsFolder } from './s3-list-parts.ts';

/**
 * Deletes the emulator's part folders older than `maxAgeMs`. The emulator implements no
 * AbortMultipartUpload, so this is the only way its abandoned parts ever leave the disk.
 */
export async function removeStaleEmulatorUploads(
  s3Dir: string,
  bucket: string,
  maxAgeMs: number,
  now = Date.now(),
): Promise<number> {
  const folder = join(s3Dir, bucket, emulatorUploadsFolder);
  const uploads = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  let removed = 0;
  for (const uploadId of uploads) {
    const path = join(folder, uploadId);
    const { mtimeMs } = await stat(path);
    if (now - mtimeMs < maxAgeMs) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

export interface UploadSweepOptions {
  s3Dir: string;
  bucket: string;
  /** Default hourly. */
  intervalMs?: number;
  /** Uploads older than this are abandoned; default one day, as the AWS bucket's lifecycle rule. */
  maxAgeMs?: number;
  log?: (line: string) => void;
}

/**
 * The local stand-in for the bucket's lifecycle rule: every `intervalMs`, aborts multipart
 * uploads older than `maxAgeMs` (their records through the functions' own sweep, their parts in
 * the emulator's folder). The timer does not keep the process alive.
 */
export function startUploadSweep(options: UploadSweepOptions): { stop(): void; sweep(): Promise<void> } {
  const maxAgeMs = options.maxAgeMs ?? 24 * 3600_000;
  let busy = false;
  const sweep = async () => {
    const Blobs = await import('#blobs/store.ts');
    const { aborted } = await Blobs.sweepAbandonedUploads(maxAgeMs);
    const removed = await removeStaleEmulatorUploads(options.s3Dir, options.bucket, maxAgeMs);
    if (aborted || removed)
      options.log?.(
        `upload sweep: aborted ${aborted} abandoned upload(s), removed ${removed} part folder(s)`,
      );
  };
  const timer = setInterval(() => {
    // A slow sweep is not stacked on by the next tick.
    if (busy) return;
    busy = true;
    sweep()
      .catch((error: Error) => options.log?.(`upload sweep failed: ${error.message}`))
      .finally(() => {
        busy = false;
      });
  }, options.intervalMs ?? 3600_000);
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}
