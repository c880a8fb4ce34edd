import { type ArtifactEntry, downloadArtifacts, listArtifacts } from '../artifacts.ts';
import { formatBytes } from '../progress.ts';
import type { ApiClient } from '../transfers.ts';
import { type ApiCommand, type CommandOutput, numberFlag, outputOf, textFlag } from './command.ts';
import { table } from './format.ts';

/** The `cairn artifacts …` commands: a run's artifact tree, and downloading part or all of it. */

const files = (count: number) => `${count} file${count === 1 ? '' : 's'}`;

const show = (output: CommandOutput, value: unknown, text: () => string) =>
  output.print(output.json ? JSON.stringify(value, null, 2) : text());

/** `cairn artifacts list <runId> [--path model] [--recursive]` */
export async function artifactsList(
  client: ApiClient,
  args: { runId: string; path?: string; recursive?: boolean },
  output: CommandOutput,
) {
  const listing = await listArtifacts(client, args.runId, {
    ...(args.path !== undefined ? { path: args.path } : {}),
    recursive: args.recursive ?? false,
  });
  show(output, listing, () => {
    const where = listing.path ? `${args.runId}:${listing.path}` : args.runId;
    if (listing.entries.length === 0) return `No artifacts in ${where}.`;
    return [
      table(listing.entries, [
        {
          header: 'PATH',
          value: (entry: ArtifactEntry) => (entry.type === 'folder' ? `${entry.path}/` : entry.path),
        },
        { header: 'SIZE', value: (entry) => formatBytes(entry.size), align: 'right' },
        {
          header: 'SHA-256 / FILES',
          value: (entry) => (entry.type === 'file' ? entry.sha256 : files(entry.fileCount)),
        },
      ]),
      `${where}: ${files(listing.fileCount)}, ${formatBytes(listing.totalSize)}`,
    ].join('\n');
  });
  return listing;
}

/** `cairn artifacts download <runId> [path] [dest]` */
export async function artifactsDownload(
  client: ApiClient,
  args: { runId: string; path: string; dest: string; concurrency?: number },
  output: CommandOutput,
) {
  const result = await downloadArtifacts(client, args.runId, args.path, args.dest, {
    ...(output.progress ? { progress: output.progress } : {}),
    ...(args.concurrency ? { concurrency: args.concurrency } : {}),
  });
  show(
    output,
    result,
    () =>
      `${args.runId}:${args.path || '(all)'} in ${args.dest}: downloaded ${result.downloaded} file(s), ${formatBytes(result.downloadedBytes)}; ${result.skipped} already up to date; every file matched its SHA-256`,
  );
  return result;
}

export const artifactCommands: ApiCommand[] = [
  {
    words: ['artifacts', 'list'],
    args: ['runId'],
    summary: "list one folder of a run's artifacts, or every file below it (--recursive)",
    flags: {
      path: { type: 'string', valueName: 'path', description: 'a folder inside the run (default: the top)' },
      recursive: { type: 'boolean', description: 'every file below the folder' },
    },
    async run(context) {
      const path = textFlag(context.flags.path);
      await artifactsList(
        context.cairn(),
        {
          runId: context.args[0]!,
          ...(path !== undefined ? { path } : {}),
          recursive: context.flags.recursive === true,
        },
        outputOf(context),
      );
    },
  },
  {
    words: ['artifacts', 'download'],
    args: ['runId', 'path?', 'dest?'],
    summary: "download a run's artifact file or folder (default: all) into dest (default: ./<runId>)",
    flags: { concurrency: { type: 'number', valueName: 'n', description: 'downloads at once (default 8)' } },
    async run(context) {
      const parallel = numberFlag(context.flags.concurrency);
      await artifactsDownload(
        context.cairn(),
        {
          runId: context.args[0]!,
          path: context.args[1] ?? '',
          // A folder of its own: downloading replaces files that differ, so never the project's own.
          dest: context.args[2] ?? context.args[0]!,
          ...(parallel ? { concurrency: parallel } : {}),
        },
        outputOf(context),
      );
    },
  },
];
