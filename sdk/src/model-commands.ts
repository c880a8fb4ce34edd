import type { FlagValue } from './cli/args.ts';
import { UsageError } from './cli/args.ts';
import { type ApiCommand, type CommandOutput, numberFlag, outputOf, textFlag } from './cli/command.ts';
import { block, table, time } from './cli/format.ts';
import {
  type AuditEvent,
  addWebhook,
  audit,
  downloadModel,
  listModels,
  listModelVersions,
  listWebhooks,
  modelLineage,
  parseRunArtifact,
  promote,
  registerModel,
  removeWebhook,
  resolveModel,
  type Stage,
  setStage,
  webhookDeliveries,
} from './models.ts';
import { formatBytes } from './progress.ts';
import type { ApiClient } from './transfers.ts';

/**
 * The `cairn models …`, `cairn audit` and `cairn webhooks …` commands. Each is a function of a
 * client, its arguments and an output; `modelCommands` lists them in the shape the CLI's command
 * table uses (words, positional args, flags, run).
 */

const show = (output: CommandOutput, value: unknown, text: () => string) =>
  output.print(output.json ? JSON.stringify(value, null, 2) : text());

const stages = ['None', 'Staging', 'Production', 'Archived'] as const;

function versionNumber(text: string): number {
  const version = Number(text.replace(/^v/i, ''));
  if (!Number.isInteger(version) || version < 1) throw new UsageError(`"${text}" is not a version number`);
  return version;
}

/** `cairn models register <runId>:<artifactPath> --name fraud` */
export async function modelsRegister(
  client: ApiClient,
  args: { source: string; name: string; description?: string },
  output: CommandOutput,
) {
  const version = await registerModel(client, {
    name: args.name,
    ...parseRunArtifact(args.source),
    ...(args.description ? { description: args.description } : {}),
  });
  show(
    output,
    version,
    () =>
      `Registered ${version.name} version ${version.version} from run ${version.runId}:${version.artifactPath} (${version.fileCount} files, ${formatBytes(version.totalSize)})\ndigest ${version.digest}`,
  );
  return version;
}

/** `cairn models list [--filter "name LIKE 'fraud%'"]` */
export async function modelsList(
  client: ApiClient,
  args: { filter?: string; max?: number },
  output: CommandOutput,
) {
  const models = await listModels(client, args);
  show(output, models, () =>
    models.length === 0
      ? 'No registered models.'
      : table(models, [
          { header: 'NAME', value: (model) => model.name },
          { header: 'LATEST', value: (model) => String(model.latestVersion), align: 'right' },
          {
            header: 'ALIASES',
            value: (model) =>
              Object.entries(model.aliases)
                .map(([alias, version]) => `${alias}→${version}`)
                .join(' ') || '-',
          },
          { header: 'UPDATED', value: (model) => time(model.updatedAt) },
          { header: 'DESCRIPTION', value: (model) => model.description },
        ]),
  );
  return models;
}

/** `cairn models versions fraud [--stage Production]` */
export async function modelsVersions(
  client: ApiClient,
  args: { name: string; stage?: Stage; max?: number },
  output: CommandOutput,
) {
  const versions = await listModelVersions(client, args.name, args);
  show(output, versions, () =>
    versions.length === 0
      ? `${args.name} has no versions.`
      : table(versions, [
          { header: 'VERSION', value: (v) => String(v.version), align: 'right' },
          { header: 'STAGE', value: (v) => v.stage },
          { header: 'ALIASES', value: (v) => v.aliases.join(' ') || '-' },
          { header: 'RUN', value: (v) => `${v.runId}:${v.artifactPath}` },
          { header: 'FILES', value: (v) => `${v.fileCount}, ${formatBytes(v.totalSize)}`, align: 'right' },
          { header: 'CREATED', value: (v) => `${time(v.createdAt)} ${v.createdBy}` },
        ]),
  );
  return versions;
}

/** `cairn models promote fraud 3 --alias production` (or `--stage Production [--archive-existing]`) */
export async function modelsPromote(
  client: ApiClient,
  args: { name: string; version: number; alias?: string; stage?: Stage; archiveExisting?: boolean },
  output: CommandOutput,
) {
  if (!args.alias && !args.stage) throw new UsageError('promote needs --alias <alias> or --stage <stage>');
  const results = [];
  if (args.alias) results.push(await promote(client, args.name, args.version, args.alias));
  if (args.stage) {
    results.push(await setStage(client, args.name, args.version, args.stage, args.archiveExisting ?? false));
  }
  const version = results.at(-1)!;
  show(output, version, () =>
    [
      args.alias ? `${args.name}@${args.alias} → version ${args.version}` : undefined,
      args.stage ? `${args.name} version ${args.version} is now in stage ${version.stage}` : undefined,
    ]
      .filter(Boolean)
      .join('\n'),
  );
  return version;
}

/** `cairn models resolve fraud@production` */
export async function modelsResolve(client: ApiClient, args: { ref: string }, output: CommandOutput) {
  const resolved = await resolveModel(client, args.ref);
  show(output, resolved, () =>
    [
      block([
        ['Model', resolved.model],
        ['Version', `${resolved.version.version} (${args.ref})`],
        ['Stage', resolved.version.stage],
        ['Run', `${resolved.run.id} "${resolved.run.name}" (${resolved.run.status})`],
        ['Source', resolved.version.source],
        ['Digest', resolved.version.digest],
        ['URLs expire', time(resolved.expiresAt)],
      ]),
      table(resolved.files, [
        { header: 'PATH', value: (file) => file.path },
        { header: 'SIZE', value: (file) => formatBytes(file.size), align: 'right' },
        { header: 'SHA-256', value: (file) => file.sha256 },
      ]),
    ].join('\n\n'),
  );
  return resolved;
}

/** `cairn models download fraud@production ./model` */
export async function modelsDownload(
  client: ApiClient,
  args: { ref: string; dest: string; concurrency?: number },
  output: CommandOutput,
) {
  const result = await downloadModel(client, args.ref, args.dest, {
    progress: output.progress,
    ...(args.concurrency ? { concurrency: args.concurrency } : {}),
  });
  const { version } = result.resolved;
  show(
    output,
    result,
    () =>
      `${version.name} version ${version.version} in ${args.dest}: downloaded ${result.downloaded} file(s), ${formatBytes(result.downloadedBytes)}; ${result.skipped} already up to date; every file matched its SHA-256`,
  );
  return result;
}

/** `cairn models lineage fraud 3` */
export async function modelsLineage(
  client: ApiClient,
  args: { name: string; version: number },
  output: CommandOutput,
) {
  const lineage = await modelLineage(client, args.name, args.version);
  show(output, lineage, () => {
    const { run, datasets } = lineage;
    const sections = [
      block([
        ['Model', `${lineage.version.name} version ${lineage.version.version}`],
        ['Run', `${run.id} "${run.name}" (${run.status}) in experiment ${run.experimentId}`],
        ['By', run.user],
        ['Started', time(run.startTime)],
      ]),
    ];
    if (datasets.length) {
      sections.push(
        `Trained on\n${table(datasets, [
          { header: 'DATASET', value: (d) => `${d.dataset}@${d.version}` },
          { header: 'CONTEXT', value: (d) => d.context },
          { header: 'DIGEST', value: (d) => d.digest },
        ])}`,
      );
    }
    const params = Object.entries(run.params);
    if (params.length)
      sections.push(`Params\n${params.map(([key, value]) => `  ${key} = ${value}`).join('\n')}`);
    const metrics = Object.entries(run.metrics);
    if (metrics.length) {
      sections.push(
        `Final metrics\n${metrics.map(([key, metric]) => `  ${key} = ${metric.value} (step ${metric.step})`).join('\n')}`,
      );
    }
    return sections.join('\n\n');
  });
  return lineage;
}

const describe = (event: AuditEvent) => {
  const after = event.after as Record<string, unknown> | null;
  const before = event.before as Record<string, unknown> | null;
  if (event.type.startsWith('model.alias.')) {
    return `${after?.alias ?? before?.alias}: ${before?.version ?? '-'} → ${after?.version ?? '-'}`;
  }
  if (event.type === 'model.version.stage_changed')
    return `v${after?.version}: ${before?.stage} → ${after?.stage}`;
  if (event.type.startsWith('model.version.')) return `v${after?.version ?? before?.version}`;
  return '';
};

/** `cairn audit [--since 7d] [--resource models/fraud] [--actor key_…] [--type model.alias.*]` */
export async function auditCommand(
  client: ApiClient,
  args: { since?: string; until?: string; resource?: string; actor?: string; type?: string; max?: number },
  output: CommandOutput,
) {
  const events = await audit(client, args);
  show(output, events, () =>
    events.length === 0
      ? 'No events.'
      : table(events, [
          { header: 'TIME', value: (event) => time(event.time) },
          { header: 'EVENT', value: (event) => event.type },
          { header: 'RESOURCE', value: (event) => event.resource },
          { header: 'CHANGE', value: describe },
          { header: 'BY', value: (event) => `${event.actor.name} (${event.actor.keyId})` },
        ]),
  );
  return events;
}

/** `cairn webhooks add <url> [--event model.alias.*]…` */
export async function webhooksAdd(
  client: ApiClient,
  args: { url: string; events?: string[]; description?: string },
  output: CommandOutput,
) {
  const webhook = await addWebhook(client, {
    url: args.url,
    ...(args.events?.length ? { events: args.events } : {}),
    ...(args.description ? { description: args.description } : {}),
  });
  show(
    output,
    webhook,
    () =>
      `Added webhook ${webhook.id} → ${webhook.url} for ${webhook.events.join(', ')}.\nSigning secret, shown only now, store it with the receiver:\n${webhook.secret}`,
  );
  return webhook;
}

/** `cairn webhooks list` */
export async function webhooksList(client: ApiClient, output: CommandOutput) {
  const webhooks = await listWebhooks(client);
  show(output, webhooks, () =>
    webhooks.length === 0
      ? 'No webhooks.'
      : table(webhooks, [
          { header: 'ID', value: (w) => w.id },
          { header: 'URL', value: (w) => w.url },
          { header: 'EVENTS', value: (w) => w.events.join(' ') },
          { header: 'CREATED', value: (w) => `${time(w.createdAt)} ${w.createdBy.name}` },
        ]),
  );
  return webhooks;
}

/** `cairn webhooks remove <webhookId>` */
export async function webhooksRemove(client: ApiClient, args: { webhookId: string }, output: CommandOutput) {
  const webhook = await removeWebhook(client, args.webhookId);
  show(output, webhook, () => `Removed webhook ${webhook.id} (${webhook.url}).`);
  return webhook;
}

/** `cairn webhooks deliveries <webhookId>` */
export async function webhooksDeliveries(
  client: ApiClient,
  args: { webhookId: string },
  output: CommandOutput,
) {
  const deliveries = await webhookDeliveries(client, args.webhookId);
  show(output, deliveries, () =>
    deliveries.length === 0
      ? 'No deliveries.'
      : table(deliveries, [
          { header: 'EVENT TIME', value: (d) => time(d.eventTime) },
          { header: 'EVENT', value: (d) => d.eventType },
          { header: 'STATUS', value: (d) => d.status },
          {
            header: 'ATTEMPTS',
            value: (d) =>
              d.attempts.map((a) => (a.status === null ? (a.error ?? 'error') : String(a.status))).join(', '),
          },
          { header: 'NEXT', value: (d) => time(d.nextAttemptAt) },
        ]),
  );
  return deliveries;
}

const out = outputOf;
const text = textFlag;
const count = numberFlag;
const list = (value: FlagValue | undefined) => (Array.isArray(value) ? value : undefined);

/** The commands, ready for the CLI's command table. */
export const modelCommands: ApiCommand[] = [
  {
    words: ['models', 'register'],
    args: ['runId:artifactPath'],
    summary: "register a new model version from a run's artifact folder (creates the model if needed)",
    flags: {
      name: { type: 'string', valueName: 'model', description: 'the registered model (required)' },
      description: { type: 'string', valueName: 'text', description: 'what this version is' },
    },
    async run(context) {
      const name = text(context.flags.name);
      if (!name) throw new UsageError('models register needs --name <model>');
      const description = text(context.flags.description);
      await modelsRegister(
        context.cairn(),
        { source: context.args[0]!, name, ...(description ? { description } : {}) },
        out(context),
      );
    },
  },
  {
    words: ['models', 'list'],
    args: [],
    summary: 'list registered models with their aliases',
    flags: {
      filter: { type: 'string', valueName: 'expr', description: 'e.g. "name LIKE \'fraud%\'"' },
      max: { type: 'number', valueName: 'n', description: 'at most this many (default 1000)' },
    },
    async run(context) {
      await modelsList(
        context.cairn(),
        { filter: text(context.flags.filter), max: count(context.flags.max) },
        out(context),
      );
    },
  },
  {
    words: ['models', 'versions'],
    args: ['model'],
    summary: "list a model's versions, newest first",
    flags: {
      stage: {
        type: 'string',
        choices: stages,
        valueName: 'stage',
        description: 'only versions in this stage',
      },
      max: { type: 'number', valueName: 'n', description: 'at most this many (default 1000)' },
    },
    async run(context) {
      const stage = text(context.flags.stage) as Stage | undefined;
      await modelsVersions(
        context.cairn(),
        { name: context.args[0]!, max: count(context.flags.max), ...(stage ? { stage } : {}) },
        out(context),
      );
    },
  },
  {
    words: ['models', 'promote'],
    args: ['model', 'version'],
    summary: 'point an alias (and/or a stage) at a version',
    flags: {
      alias: {
        type: 'string',
        valueName: 'alias',
        description: 'e.g. production; protected aliases need admin',
      },
      stage: { type: 'string', choices: stages, valueName: 'stage', description: 'MLflow stage' },
      archiveExisting: { type: 'boolean', description: 'with --stage: archive the versions that held it' },
    },
    async run(context) {
      const alias = text(context.flags.alias);
      const stage = text(context.flags.stage) as Stage | undefined;
      await modelsPromote(
        context.cairn(),
        {
          name: context.args[0]!,
          version: versionNumber(context.args[1]!),
          ...(alias ? { alias } : {}),
          ...(stage ? { stage } : {}),
          archiveExisting: context.flags.archiveExisting === true,
        },
        out(context),
      );
    },
  },
  {
    words: ['models', 'resolve'],
    args: ['model@ref'],
    summary: 'resolve fraud@production to its version, run, files and download URLs',
    async run(context) {
      await modelsResolve(context.cairn(), { ref: context.args[0]! }, out(context));
    },
  },
  {
    words: ['models', 'download'],
    args: ['model@ref', 'dir'],
    summary: "download a version's files into a folder, verifying every SHA-256",
    flags: { concurrency: { type: 'number', valueName: 'n', description: 'downloads at once (default 8)' } },
    async run(context) {
      const concurrency = count(context.flags.concurrency);
      await modelsDownload(
        context.cairn(),
        { ref: context.args[0]!, dest: context.args[1]!, ...(concurrency ? { concurrency } : {}) },
        out(context),
      );
    },
  },
  {
    words: ['models', 'lineage'],
    args: ['model', 'version'],
    summary: "show a version's run (params, final metrics) and the dataset versions it was trained on",
    async run(context) {
      await modelsLineage(
        context.cairn(),
        { name: context.args[0]!, version: versionNumber(context.args[1]!) },
        out(context),
      );
    },
  },
  {
    words: ['audit'],
    args: [],
    summary: "read the tenant's audit log, newest first",
    flags: {
      since: { type: 'string', valueName: 'time', description: 'ISO time or a duration back: 30m, 12h, 7d' },
      until: { type: 'string', valueName: 'time', description: 'ISO time or a duration back' },
      resource: { type: 'string', valueName: 'resource', description: 'e.g. models/fraud, keys/<id>' },
      actor: { type: 'string', valueName: 'keyId', description: 'changes made with this API key' },
      type: { type: 'string', valueName: 'type', description: 'e.g. model.alias.* or key.revoked' },
      max: { type: 'number', valueName: 'n', description: 'at most this many (default 100)' },
    },
    async run(context) {
      const { since, until, resource, actor, type } = context.flags;
      await auditCommand(
        context.cairn(),
        {
          since: text(since),
          until: text(until),
          resource: text(resource),
          actor: text(actor),
          type: text(type),
          max: count(context.flags.max),
        },
        out(context),
      );
    },
  },
  {
    words: ['webhooks', 'add'],
    args: ['url'],
    summary: 'register a webhook and print its signing secret (admin)',
    flags: {
      event: {
        type: 'string',
        repeat: true,
        valueName: 'type',
        description: 'event type or prefix, e.g. model.alias.* (repeatable; default all)',
      },
      description: { type: 'string', valueName: 'text', description: 'what the receiver is' },
    },
    async run(context) {
      const description = text(context.flags.description);
      await webhooksAdd(
        context.cairn(),
        {
          url: context.args[0]!,
          ...(list(context.flags.event) ? { events: list(context.flags.event) } : {}),
          ...(description ? { description } : {}),
        },
        out(context),
      );
    },
  },
  {
    words: ['webhooks', 'list'],
    args: [],
    summary: "list the tenant's webhooks (admin)",
    async run(context) {
      await webhooksList(context.cairn(), out(context));
    },
  },
  {
    words: ['webhooks', 'remove'],
    args: ['webhookId'],
    summary: 'remove a webhook (admin)',
    async run(context) {
      await webhooksRemove(context.cairn(), { webhookId: context.args[0]! }, out(context));
    },
  },
  {
    words: ['webhooks', 'deliveries'],
    args: ['webhookId'],
    summary: "show a webhook's recent deliveries and their attempts (admin)",
    async run(context) {
      await webhooksDeliveries(context.cairn(), { webhookId: context.args[0]! }, out(context));
    },
  },
];
