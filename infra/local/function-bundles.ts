import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { type Bundle, bundle, bundleFile, bundleKey, type FunctionName, functionNames } from '../bundles.ts';
import { repoRoot } from '../paths.ts';

/** What decided a bundle: its build key and each input file's size and modification time. */
interface Manifest {
  key: string;
  inputs: [path: string, size: number, mtimeMs: number][];
}

const manifestFile = 'inputs.json';
/** Files esbuild reads for resolution that its list of inputs leaves out. */
const resolutionFiles = ['package.json', 'tsconfig.json'];

function fingerprint(path: string): [string, number, number] | undefined {
  const info = statSync(resolve(repoRoot, path), { throwIfNoEntry: false });
  return info ? [path, info.size, info.mtimeMs] : undefined;
}

function upToDate(dir: string, name: FunctionName): boolean {
  const file = join(dir, manifestFile);
  if (!existsSync(file) || !existsSync(join(dir, bundleFile))) return false;
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  if (manifest.key !== bundleKey(name)) return false;
  return manifest.inputs.every(([path, size, mtimeMs]) => {
    const now = fingerprint(path);
    return now?.[1] === size && now[2] === mtimeMs;
  });
}

function record(dir: string, name: FunctionName, built: Bundle) {
  const inputs = [...Object.keys(built.metafile.inputs), ...resolutionFiles]
    .map(fingerprint)
    .filter((entry) => entry !== undefined);
  const manifest: Manifest = { key: bundleKey(name), inputs };
  // Written last: a half-written bundle is never taken as current.
  writeAtomically(join(dir, manifestFile), JSON.stringify(manifest));
}

export interface PreparedBundle {
  name: FunctionName;
  dir: string;
  path: string;
  /** False when a current bundle was found (in the cache) and reused. */
  built: boolean;
}

/**
 * Bundles outlive a stack here, keyed by their inputs, so that a fresh data folder (every test
 * run, every benchmark) does not build them again while the sources are unchanged.
 */
export const bundleCache = join(repoRoot, 'node_modules', '.cache', 'cairn-functions');

/** Writes a file under a temporary name and renames it into place: readers never see half. */
function writeAtomically(path: string, contents: Uint8Array | string) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

async function current(dir: string, name: FunctionName): Promise<boolean> {
  if (upToDate(dir, name)) return false;
  const built = await bundle(name);
  mkdirSync(dir, { recursive: true });
  for (const file of built.files) writeAtomically(join(dir, file.name), file.contents);
  record(dir, name, built);
  return true;
}

/**
 * The deployed functions' bundles for the local stack, under `root/<name>/`: built with the
 * stack's own bundling definition (`infra/bundles.ts`), once per change of their inputs, and
 * copied from the cache so that a running stack's files never change under it.
 */
export async function prepareBundles(root: string): Promise<Record<FunctionName, PreparedBundle>> {
  const prepared = await Promise.all(
    functionNames.map(async (name): Promise<PreparedBundle> => {
      const dir = join(root, name);
      const path = join(dir, bundleFile);
      let built: boolean;
      try {
        const cached = join(bundleCache, name);
        built = await current(cached, name);
        mkdirSync(dir, { recursive: true });
        for (const file of [bundleFile, `${bundleFile}.map`])
          copyFileSync(join(cached, file), join(dir, file));
      } catch (error) {
        // A read-only node_modules: build into the stack's own folder instead.
        if (
          (error as NodeJS.ErrnoException).code !== 'EACCES' &&
          (error as NodeJS.ErrnoException).code !== 'EROFS'
        ) {
          throw error;
        }
        built = await current(dir, name);
      }
      return { name, dir, path, built };
    }),
  );
  return Object.fromEntries(prepared.map((entry) => [entry.name, entry])) as Record<
    FunctionName,
    PreparedBundle
  >;
}
