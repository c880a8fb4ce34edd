import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type Bundle,
  bundle,
  bundleFile,
  bundleKey,
  type FunctionName,
  functionNames,
  writeBundle,
} from '../bundles.ts';
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
  // Written last and renamed into place: a half-written bundle is never taken as current.
  writeFileSync(join(dir, `${manifestFile}.tmp`), JSON.stringify(manifest));
  renameSync(join(dir, `${manifestFile}.tmp`), join(dir, manifestFile));
}

export interface PreparedBundle {
  name: FunctionName;
  dir: string;
  path: string;
  /** False when the bundle on disk was still current and was reused. */
  built: boolean;
}

/**
 * The deployed functions' bundles for the local stack, under `root/<name>/`: built with the
 * stack's own bundling definition (`infra/bundles.ts`), and rebuilt only when an input changed.
 */
export async function prepareBundles(root: string): Promise<Record<FunctionName, PreparedBundle>> {
  const prepared = await Promise.all(
    functionNames.map(async (name): Promise<PreparedBundle> => {
      const dir = join(root, name);
      const path = join(dir, bundleFile);
      if (upToDate(dir, name)) return { name, dir, path, built: false };
      const built = await bundle(name);
      writeBundle(built, dir);
      record(dir, name, built);
      return { name, dir, path, built: true };
    }),
  );
  return Object.fromEntries(prepared.map((entry) => [entry.name, entry])) as Record<
    FunctionName,
    PreparedBundle
  >;
}
