import { CairnError } from '#http/errors.ts';
import { maxPathBytes, maxPathSegmentBytes } from './limits.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const control = /[\u0000-\u001f\u007f]/;

function invalid(path: string, reason: string): CairnError {
  return new CairnError('blobs.invalid_path', `Path "${path.replace(control, '?')}" ${reason}`, {
    path,
    reason,
  });
}

/**
 * A relative path inside a run's artifacts or a dataset, in one canonical form: `/`-separated,
 * NFC, no `.` or empty segments, no trailing slash. Refused rather than repaired: `..` anywhere,
 * absolute paths (`/x`, `C:…`), backslashes (a Windows path would mean something else on the
 * other side), NUL and control characters. `allowEmpty` is for folder arguments, where "" is the root.
 *
 * @example
 * normalisePath('models/./model.pkl'); // 'models/model.pkl'
 * normalisePath('../etc/passwd');      // throws blobs.invalid_path
 */
export function normalisePath(path: string, options: { allowEmpty?: boolean } = {}): string {
  if (control.test(path)) throw invalid(path, 'contains a control character');
  if (path.includes('\\')) throw invalid(path, 'contains a backslash; use "/" between folders');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path))
    throw invalid(path, 'is absolute; give a relative path');
  const segments = path
    .normalize('NFC')
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw invalid(path, 'contains ".."');
  const normal = segments.join('/');
  if (!normal && !options.allowEmpty) throw invalid(path, 'is empty');
  if (Buffer.byteLength(normal) > maxPathBytes) throw invalid(path, `is longer than ${maxPathBytes} bytes`);
  if (segments.some((segment) => Buffer.byteLength(segment) > maxPathSegmentBytes)) {
    throw invalid(path, `has a name longer than ${maxPathSegmentBytes} bytes`);
  }
  return normal;
}

/** `prefix/path`, both normalised; either may be empty. */
export function joinPath(prefix: string, path: string): string {
  const head = normalisePath(prefix, { allowEmpty: true });
  const tail = normalisePath(path);
  return head ? `${head}/${tail}` : tail;
}

/** The last segment: the name a download is saved under. */
export const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** Whether `path` is `folder` itself or inside it ("" holds everything). */
export const isWithin = (path: string, folder: string) =>
  folder === '' || path === folder || path.startsWith(`${folder}/`);
