import { dataDiff, dataLog, dataPull, dataPush, dataTag, parseDatasetRef } from '../data-commands.ts';
import { UsageError } from './args.ts';
import { type ApiCommand, numberFlag, outputOf, textFlag } from './command.ts';

/** The `cairn data …` rows of the CLI's command table, over the functions in data-commands.ts. */

const concurrency = {
  type: 'number',
  valueName: 'n',
  description: 'transfers at once (default 8)',
} as const;

export const dataCommands: ApiCommand[] = [
  {
    words: ['data', 'push'],
    args: ['dir'],
    summary: "push a folder as a dataset's next version (uploads only the missing blobs)",
    flags: {
      name: { type: 'string', valueName: 'dataset', description: 'the dataset (required)' },
      message: { type: 'string', short: 'm', valueName: 'text', description: 'what changed in this version' },
      description: {
        type: 'string',
        valueName: 'text',
        description: 'the dataset, when this push creates it',
      },
      concurrency,
    },
    async run(context) {
      const name = textFlag(context.flags.name);
      if (!name) throw new UsageError('data push needs --name <dataset>');
      const message = textFlag(context.flags.message);
      const description = textFlag(context.flags.description);
      const parallel = numberFlag(context.flags.concurrency);
      await dataPush(
        context.cairn(),
        {
          dir: context.args[0]!,
          name,
          ...(message !== undefined ? { message } : {}),
          ...(description !== undefined ? { description } : {}),
          ...(parallel ? { concurrency: parallel } : {}),
        },
        outputOf(context),
      );
    },
  },
  {
    words: ['data', 'pull'],
    args: ['ref', 'dest?'],
    summary: 'pull iris, iris@2 or iris@golden into a folder (default ./iris), verifying every file',
    flags: { concurrency },
    async run(context) {
      const ref = context.args[0]!;
      const parallel = numberFlag(context.flags.concurrency);
      await dataPull(
        context.cairn(),
        {
          ref,
          dest: context.args[1] ?? parseDatasetRef(ref).name,
          ...(parallel ? { concurrency: parallel } : {}),
        },
        outputOf(context),
      );
    },
  },
  {
    words: ['data', 'log'],
    args: ['dataset'],
    summary: "list a dataset's versions, newest first",
    flags: { max: { type: 'number', valueName: 'n', description: 'at most this many (default 1000)' } },
    async run(context) {
      const max = numberFlag(context.flags.max);
      await dataLog(context.cairn(), { name: context.args[0]!, ...(max ? { max } : {}) }, outputOf(context));
    },
  },
  {
    words: ['data', 'diff'],
    args: ['from', 'to'],
    summary: 'the files added, removed and changed between two versions (iris@1 iris@2)',
    async run(context) {
      await dataDiff(context.cairn(), { from: context.args[0]!, to: context.args[1]! }, outputOf(context));
    },
  },
  {
    words: ['data', 'tag'],
    args: ['ref', 'tag'],
    summary: 'name a version (iris@2 golden); tagging again moves the tag',
    async run(context) {
      await dataTag(context.cairn(), { ref: context.args[0]!, tag: context.args[1]! }, outputOf(context));
    },
  },
];
