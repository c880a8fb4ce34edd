import type { ProgressSink } from '../progress.ts';
import type { ApiClient } from '../transfers.ts';
import type { FlagSpec, FlagValue } from './args.ts';

/** What a command of the data and registry tables gets: its arguments, a client and where to print. */
export interface ApiCommandContext {
  /** Positional arguments; optional ones that were not given are absent. */
  args: string[];
  flags: Record<string, FlagValue>;
  json: boolean;
  cairn(): ApiClient;
  /** Results, to stdout. */
  print(text: string): void;
  /** Transfer progress, to stderr: a bar on a terminal, plain lines otherwise. */
  progress?: ProgressSink;
}

/**
 * A row of the CLI's command table that needs only the raw API (`cairn.api`), so that the data and
 * registry commands are written without the CLI's parser or the `Cairn` class.
 */
export interface ApiCommand {
  words: string[];
  /** Positional arguments in order; a trailing `?` marks an optional one (`dest?`). */
  args: string[];
  summary: string;
  flags?: Record<string, FlagSpec>;
  run(context: ApiCommandContext): Promise<void>;
}

/** Where a command's output goes: results to `print` (one JSON document with `json`), progress apart. */
export interface CommandOutput {
  print(text: string): void;
  json?: boolean;
  progress?: ProgressSink;
}

export function outputOf(context: ApiCommandContext): CommandOutput {
  return {
    print: context.print,
    json: context.json,
    ...(context.progress ? { progress: context.progress } : {}),
  };
}

export const textFlag = (value: FlagValue | undefined) => (typeof value === 'string' ? value : undefined);
export const numberFlag = (value: FlagValue | undefined) => (typeof value === 'number' ? value : undefined);
