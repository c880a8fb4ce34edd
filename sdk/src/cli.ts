import { type FlagSpec, type FlagValue, kebab, parseArgs, UsageError } from './cli/args.ts';
import { artifactCommands } from './cli/artifacts.ts';
import type { ApiCommand } from './cli/command.ts';
import { dataCommands } from './cli/data.ts';
import { block, type Column, duration, number, table, time } from './cli/format.ts';
import { Cairn } from './client.ts';
import { CairnError } from './errors.ts';
import { nonFiniteAsString } from './metric-values.ts';
import { modelCommands } from './model-commands.ts';
import type { ProgressSink } from './progress.ts';
import type { ApiKey, Experiment, RunRecord } from './types.ts';

/**
 * `cairn`, the command line for Cairn. Settings as for the SDK: `--url`, else `CAIRN_URL` /
 * `CAIRN_API_KEY` / `CAIRN_OPERATOR_KEY`, else `.cairn/local.json`. Every command takes `--json`
 * for scripts; errors go to stderr as `error <code>: <message>` with exit code 1 (2 for usage).
 * Transfers draw their progress on stderr too, so stdout holds only results. The data, artifacts
 * and registry commands come from their own tables (cli/data.ts, cli/artifacts.ts,
 * model-commands.ts), which need only the client's raw API.
 */

interface Context {
  args: string[];
  flags: Record<string, FlagValue>;
  json: boolean;
  cairn(): Cairn;
  print(text: string): void;
  printJson(value: unknown): void;
  /** Where transfers draw their progress (stderr). */
  progress?: ProgressSink;
}

interface Command {
  words: string[];
  /** Positional arguments, in order; a trailing `?` marks an optional one. */
  args: string[];
  summary: string;
  flags?: Record<string, FlagSpec>;
  run(context: Context): Promise<void>;
}

const globalFlags: Record<string, FlagSpec> = {
  json: { type: 'boolean', description: 'print JSON instead of tables' },
  help: { type: 'boolean', description: 'show help' },
  url: {
    type: 'string',
    valueName: 'url',
    description: 'the Cairn server (default: CAIRN_URL, else .cairn/local.json)',
  },
};

const roleChoices = ['reader', 'writer', 'admin'] as const;
const viewChoices = ['active', 'deleted', 'all'] as const;

const listFlags = {
  filter: { type: 'string', valueName: 'expr', description: 'search filter, e.g. "name LIKE \'iris%\'"' },
  orderBy: {
    type: 'string',
    repeat: true,
    valueName: 'expr',
    description: "order, e.g. 'name ASC' (repeatable)",
  },
  view: {
    type: 'string',
    choices: viewChoices,
    valueName: 'view',
    description: 'active (default), deleted or all',
  },
} satisfies Record<string, FlagSpec>;

const keyColumns: Column<ApiKey>[] = [
  { header: 'ID', value: (key) => key.id },
  { header: 'NAME', value: (key) => key.name },
  { header: 'ROLE', value: (key) => key.role },
  { header: 'PREFIX', value: (key) => key.prefix },
  { header: 'CREATED', value: (key) => time(key.createdAt) },
  { header: 'LAST USED', value: (key) => time(key.lastUsedAt) },
  { header: 'REVOKED', value: (key) => time(key.revokedAt) },
];

const experimentColumns: Column<Experiment>[] = [
  { header: 'ID', value: (experiment) => experiment.id, align: 'right' },
  { header: 'NAME', value: (experiment) => experiment.name },
  { header: 'STAGE', value: (experiment) => experiment.lifecycleStage },
  { header: 'CREATED', value: (experiment) => time(experiment.createdAt) },
  { header: 'DESCRIPTION', value: (experiment) => experiment.description ?? '' },
];

/** Collects pages until `max` items or the last page; says whether more remain. */
async function collect<T>(
  max: number,
  fetchPage: (
    pageToken: string | undefined,
    maxResults: number,
  ) => Promise<{ items: T[]; nextPageToken?: string }>,
): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token, Math.min(1000, max - items.length));
    items.push(...page.items.slice(0, max - items.length));
    token = page.nextPageToken;
  } while (token && items.length < max);
  return { items, more: !!token };
}

/** The metric, param and tag keys a filter or order mentions: the columns worth showing. */
function mentionedKeys(texts: readonly string[]): { kind: 'metrics' | 'params' | 'tags'; key: string }[] {
  const found = new Map<string, { kind: 'metrics' | 'params' | 'tags'; key: string }>();
  for (const text of texts) {
    for (const match of text.matchAll(/\b(metrics|params|tags)\.(`[^`]+`|"[^"]+"|[\w\-/.]+)/g)) {
      const kind = match[1] as 'metrics' | 'params' | 'tags';
      const key = match[2]!.replace(/^[`"]|[`"]$/g, '');
      found.set(`${kind}.${key}`, { kind, key });
    }
  }
  return [...found.values()];
}

function runColumns(
  runs: readonly RunRecord[],
  mentioned: ReturnType<typeof mentionedKeys>,
): Column<RunRecord>[] {
  let extra = mentioned;
  if (extra.length === 0) {
    const keys = [...new Set(runs.flatMap((run) => Object.keys(run.metrics ?? {})))].sort();
    extra = keys.slice(0, 3).map((key) => ({ kind: 'metrics' as const, key }));
  }
  return [
    { header: 'RUN ID', value: (run) => run.id },
    { header: 'NAME', value: (run) => run.name },
    { header: 'STATUS', value: (run) => run.status },
    { header: 'STARTED', value: (run) => time(run.startTime) },
    {
      header: 'DURATION',
      value: (run) =>
        duration(run.endTime === null ? Date.now() - run.startTime : run.endTime - run.startTime),
      align: 'right',
    },
    ...extra.slice(0, 6).map(
      ({ kind, key }): Column<RunRecord> => ({
        header: kind === 'metrics' ? key : `${kind}.${key}`,
        align: kind === 'metrics' ? 'right' : 'left',
        // Keys are the user's: `toString` must not find Object.prototype's.
        value: (run) =>
          kind === 'metrics'
            ? number(run.metrics && Object.hasOwn(run.metrics, key) ? run.metrics[key]?.value : undefined)
            : run[kind] && Object.hasOwn(run[kind], key)
              ? (run[kind][key] ?? '-')
              : '-',
      }),
    ),
  ];
}

/** A data or registry command, handed the client's raw API. */
const fromApi = (command: ApiCommand): Command => ({
  ...command,
  run: (context) => command.run({ ...context, cairn: () => context.cairn().api }),
});

const commands: Command[] = [
  {
    words: ['whoami'],
    args: [],
    summary: 'show the tenant and the key in use',
    async run(context) {
      const { tenant, caller } = await context.cairn().tenant();
      if (context.json) return context.printJson({ tenant, caller });
      context.print(
        block([
          ['Server', context.cairn().url],
          ['Tenant', `${tenant.id} (${tenant.name})`],
          ['Key', `${caller.keyId} "${caller.principal}"`],
          ['Role', caller.role],
        ]),
      );
    },
  },
  {
    words: ['admin', 'tenants', 'create'],
    args: ['id'],
    summary: 'create a tenant and print its first admin key (needs the operator key)',
    flags: {
      name: { type: 'string', valueName: 'name', description: 'display name (default: the id)' },
      adminKeyName: {
        type: 'string',
        valueName: 'name',
        description: 'name of the first admin key (default: admin)',
      },
    },
    async run(context) {
      const input: { id: string; name?: string; adminKeyName?: string } = { id: context.args[0]! };
      if (typeof context.flags.name === 'string') input.name = context.flags.name;
      if (typeof context.flags.adminKeyName === 'string') input.adminKeyName = context.flags.adminKeyName;
      const created = await context.cairn().admin.createTenant(input);
      if (context.json) return context.printJson(created);
      context.print(`Created tenant ${created.tenant.id} (${created.tenant.name}).`);
      context.print(
        `Admin key ${created.apiKey.id} "${created.apiKey.name}", shown only now, store it safely:`,
      );
      context.print(created.apiKey.secret);
    },
  },
  {
    words: ['keys', 'list'],
    args: [],
    summary: "list the tenant's API keys (admin)",
    async run(context) {
      const keys = await context.cairn().keys.list();
      if (context.json) return context.printJson(keys);
      context.print(keys.length ? table(keys, keyColumns) : 'No API keys.');
    },
  },
  {
    words: ['keys', 'create'],
    args: ['name'],
    summary: 'create an API key and print its secret (admin)',
    flags: {
      role: {
        type: 'string',
        choices: roleChoices,
        valueName: 'role',
        description: 'reader (default), writer or admin',
      },
    },
    async run(context) {
      const role = context.flags.role as (typeof roleChoices)[number] | undefined;
      const key = await context
        .cairn()
        .keys.create(role ? { name: context.args[0]!, role } : { name: context.args[0]! });
      if (context.json) return context.printJson(key);
      context.print(`Created ${key.role} key ${key.id} "${key.name}", shown only now, store it safely:`);
      context.print(key.secret);
    },
  },
  {
    words: ['keys', 'revoke'],
    args: ['keyId'],
    summary: 'revoke an API key at once (admin)',
    async run(context) {
      const key = await context.cairn().keys.revoke(context.args[0]!);
      if (context.json) return context.printJson(key);
      context.print(`Revoked key ${key.id} "${key.name}".`);
    },
  },
  {
    words: ['experiments', 'list'],
    args: [],
    summary: 'list experiments',
    flags: {
      ...listFlags,
      max: { type: 'number', valueName: 'n', description: 'at most this many (default 100)' },
    },
    async run(context) {
      const { filter, orderBy, view } = context.flags as {
        filter?: string;
        orderBy?: string[];
        view?: 'active' | 'deleted' | 'all';
      };
      const max = (context.flags.max as number | undefined) ?? 100;
      const { items, more } = await collect(max, async (pageToken, maxResults) => {
        const page = await context
          .cairn()
          .experiments.list({ filter, orderBy, viewType: view, pageToken, maxResults });
        return { items: page.experiments, nextPageToken: page.nextPageToken };
      });
      if (context.json) return context.printJson(items);
      context.print(items.length ? table(items, experimentColumns) : 'No experiments.');
      if (more) context.print(`(more than ${max}; use --max to see more)`);
    },
  },
  {
    words: ['experiments', 'create'],
    args: ['name'],
    summary: 'create an experiment',
    flags: { description: { type: 'string', valueName: 'text', description: 'what the experiment is for' } },
    async run(context) {
      const input: { name: string; description?: string } = { name: context.args[0]! };
      if (typeof context.flags.description === 'string') input.description = context.flags.description;
      const experiment = await context.cairn().experiments.create(input);
      if (context.json) return context.printJson(experiment);
      context.print(`Created experiment ${experiment.id} "${experiment.name}".`);
    },
  },
  {
    words: ['runs', 'list'],
    args: [],
    summary: 'search the runs of an experiment',
    flags: {
      experiment: {
        type: 'string',
        repeat: true,
        valueName: 'name',
        description: 'experiment name (repeatable)',
      },
      experimentId: {
        type: 'string',
        repeat: true,
        valueName: 'id',
        description: 'experiment id (repeatable)',
      },
      ...listFlags,
      filter: {
        type: 'string',
        valueName: 'expr',
        description: 'e.g. "metrics.acc > 0.9 and params.lr = \'0.01\'"',
      },
      orderBy: {
        type: 'string',
        repeat: true,
        valueName: 'expr',
        description: "e.g. 'metrics.acc DESC' (repeatable)",
      },
      max: { type: 'number', valueName: 'n', description: 'at most this many runs (default 50)' },
    },
    async run(context) {
      const flags = context.flags as {
        experiment?: string[];
        experimentId?: string[];
        filter?: string;
        orderBy?: string[];
        view?: 'active' | 'deleted' | 'all';
        max?: number;
      };
      const cairn = context.cairn();
      const experimentIds = [...(flags.experimentId ?? [])];
      for (const name of flags.experiment ?? [])
        experimentIds.push((await cairn.experiments.getByName(name)).id);
      if (experimentIds.length === 0)
        throw new UsageError('runs list needs --experiment <name> or --experiment-id <id>');
      const max = flags.max ?? 50;
      const { items, more } = await collect(max, async (pageToken, maxResults) => {
        const page = await cairn.searchRuns({
          experimentIds,
          filter: flags.filter,
          orderBy: flags.orderBy,
          viewType: flags.view,
          pageToken,
          maxResults,
        });
        return { items: page.runs, nextPageToken: page.nextPageToken };
      });
      if (context.json) return context.printJson(items);
      if (items.length === 0) return context.print('No runs.');
      context.print(
        table(items, runColumns(items, mentionedKeys([flags.filter ?? '', ...(flags.orderBy ?? [])]))),
      );
      if (more) context.print(`(more than ${max}; use --max to see more)`);
    },
  },
  {
    words: ['runs', 'show'],
    args: ['runId'],
    summary: 'show a run: its attributes, params, latest metrics and tags',
    async run(context) {
      const run = await context.cairn().getRun(context.args[0]!);
      if (context.json) return context.printJson(run);
      const sections = [
        block([
          ['Run', run.id],
          ['Name', run.name],
          ['Experiment', run.experimentId],
          ['Status', run.lifecycleStage === 'deleted' ? `${run.status} (deleted)` : run.status],
          ['Started', time(run.startTime)],
          ['Ended', run.endTime === null ? undefined : time(run.endTime)],
          ['Duration', duration((run.endTime ?? Date.now()) - run.startTime)],
          ['User', run.user],
          ['Parent run', run.parentRunId ?? undefined],
          ['Artifacts', run.artifactUri],
        ]),
      ];
      const entries = (record: Record<string, string> | undefined) =>
        Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const params = entries(run.params);
      if (params.length) {
        sections.push(
          `Params\n${table(params, [
            { header: 'KEY', value: ([key]) => key },
            { header: 'VALUE', value: ([, value]) => value },
          ])}`,
        );
      }
      const metrics = Object.entries(run.metrics ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      if (metrics.length) {
        sections.push(
          `Metrics (latest)\n${table(metrics, [
            { header: 'KEY', value: ([key]) => key },
            { header: 'VALUE', value: ([, metric]) => number(metric.value), align: 'right' },
            { header: 'STEP', value: ([, metric]) => String(metric.step), align: 'right' },
            { header: 'TIME', value: ([, metric]) => time(metric.timestamp) },
          ])}`,
        );
      }
      const tags = entries(run.tags);
      if (tags.length) {
        sections.push(
          `Tags\n${table(tags, [
            { header: 'KEY', value: ([key]) => key },
            { header: 'VALUE', value: ([, value]) => value },
          ])}`,
        );
      }
      context.print(sections.join('\n\n'));
    },
  },
  {
    words: ['runs', 'history'],
    args: ['runId', 'key'],
    summary: "print one metric's history",
    flags: {
      maxPoints: {
        type: 'number',
        valueName: 'n',
        description: 'downsample on the server to about n points',
      },
      startStep: { type: 'number', valueName: 'step', description: 'first step' },
      endStep: { type: 'number', valueName: 'step', description: 'last step' },
    },
    async run(context) {
      const flags = context.flags as { maxPoints?: number; startStep?: number; endStep?: number };
      const history = await context.cairn().getMetricHistory(context.args[0]!, context.args[1]!, flags);
      if (context.json) return context.printJson(history);
      if (history.points.length === 0) return context.print(`No points for ${history.key}.`);
      context.print(
        table(history.points, [
          { header: 'STEP', value: (point) => String(point.step), align: 'right' },
          { header: 'TIME', value: (point) => time(point.timestamp) },
          { header: 'VALUE', value: (point) => number(point.value), align: 'right' },
        ]),
      );
    },
  },
  ...[...dataCommands, ...artifactCommands, ...modelCommands].map(fromApi),
];

const optional = (arg: string) => arg.endsWith('?');

function usage(command: Command): string {
  const args = command.args.map((arg) => (optional(arg) ? `[${arg.slice(0, -1)}]` : `<${arg}>`)).join(' ');
  return `cairn ${command.words.join(' ')}${args ? ` ${args}` : ''}`;
}

function flagHelp(flags: Record<string, FlagSpec>): string {
  const rows = Object.entries(flags).map(([key, spec]): [string, string] => [
    `${spec.short ? `-${spec.short}, ` : ''}--${kebab(key)}${spec.type === 'boolean' ? '' : ` <${spec.valueName ?? 'value'}>`}`,
    spec.description,
  ]);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`).join('\n');
}

function help(prefix: string[]): string {
  const exact = commands.find((command) => command.words.join(' ') === prefix.join(' '));
  if (exact) {
    return [
      `Usage: ${usage(exact)} [options]`,
      '',
      `${exact.summary[0]!.toUpperCase()}${exact.summary.slice(1)}.`,
      '',
      'Options:',
      flagHelp({ ...exact.flags, ...globalFlags }),
    ].join('\n');
  }
  const matching = commands.filter((command) => prefix.every((word, i) => command.words[i] === word));
  const width = Math.max(...matching.map((command) => usage(command).length));
  return [
    'Usage: cairn <command> [options]',
    '',
    'Commands:',
    ...matching.map((command) => `  ${usage(command).padEnd(width)}  ${command.summary}`),
    '',
    'Options for every command:',
    flagHelp(globalFlags),
    '',
    'Settings: --url, else CAIRN_URL / CAIRN_API_KEY / CAIRN_OPERATOR_KEY, else .cairn/local.json',
    'Run `cairn <command> --help` for its options.',
  ].join('\n');
}

/** Finds the command from the leading words; global flags may come before them. */
function findCommand(argv: readonly string[]): { command?: Command; words: string[]; rest: string[] } {
  const words: string[] = [];
  const rest: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const token = argv[i]!;
    if (token.startsWith('-')) {
      rest.push(token);
      if (token === '--url') rest.push(argv[++i] ?? '');
      continue;
    }
    const candidate = [...words, token];
    if (!commands.some((command) => candidate.every((word, j) => command.words[j] === word))) break;
    words.push(token);
    if (commands.some((command) => command.words.join(' ') === candidate.join(' '))) {
      i++;
      break;
    }
  }
  rest.push(...argv.slice(i));
  const command = commands.find((one) => one.words.join(' ') === words.join(' '));
  return command ? { command, words, rest } : { words, rest };
}

interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Transfer progress; none when absent. */
  progress?: ProgressSink;
}

const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  // stderr, so that stdout stays results only (and parseable with --json).
  progress: {
    write: (text) => process.stderr.write(text),
    isTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns,
  },
};

/** Runs one command line; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const { command, words, rest } = findCommand(argv);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    if (!command) {
      const { flags, positionals } = parseArgs(rest, globalFlags);
      if (flags.help || (words.length === 0 && positionals.length === 0)) {
        io.out(help(words));
        return 0;
      }
      if (positionals.length === 0) {
        io.err(`error: 'cairn ${words.join(' ')}' needs a command\n`);
        io.err(help(words));
        return 2;
      }
      throw new UsageError(`unknown command: ${[...words, ...positionals].join(' ')}`);
    }
    parsed = parseArgs(rest, { ...command.flags, ...globalFlags });
    if (parsed.flags.help) {
      io.out(help(command.words));
      return 0;
    }
    const required = command.args.filter((arg) => !optional(arg)).length;
    if (parsed.positionals.length < required) {
      throw new UsageError(`missing <${command.args[parsed.positionals.length]}>: ${usage(command)}`);
    }
    if (parsed.positionals.length > command.args.length) {
      throw new UsageError(
        `unexpected argument ${JSON.stringify(parsed.positionals[command.args.length])}: ${usage(command)}`,
      );
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`error: ${error.message}`);
    io.err(`Run 'cairn ${words.join(' ')}${words.length ? ' ' : ''}--help' for usage.`);
    return 2;
  }

  let client: Cairn | undefined;
  const context: Context = {
    args: parsed.positionals,
    flags: parsed.flags,
    json: parsed.flags.json === true,
    cairn: () => {
      client ??= new Cairn(typeof parsed.flags.url === 'string' ? { url: parsed.flags.url } : {});
      return client;
    },
    print: io.out,
    printJson: (value) => io.out(JSON.stringify(value, nonFiniteAsString, 2)),
    ...(io.progress ? { progress: io.progress } : {}),
  };
  try {
    await command.run(context);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    if (!CairnError.is(error)) throw error;
    io.err(`error ${error.code}: ${error.message}`);
    const issues = error.details?.issues;
    if (Array.isArray(issues)) {
      for (const issue of issues as { path?: string; message?: string }[])
        io.err(`  ${issue.path || '(body)'}: ${issue.message}`);
    }
    if (error.requestId && error.status >= 500) io.err(`  request id: ${error.requestId}`);
    return 1;
  }
}
