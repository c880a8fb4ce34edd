import { CairnError } from './errors.ts';
import { type ApiClient, type DownloadResult, downloadFiles, type TransferOptions } from './transfers.ts';

/**
 * The model registry from the SDK: register versions from a run's artifacts, move aliases and
 * stages, resolve `name@alias` to files and download them verified, read lineage; and the audit
 * log and webhooks. Functions take a client-ish `{ request }` (a `Cairn` is one).
 */

export type Stage = 'None' | 'Staging' | 'Production' | 'Archived';

export interface RegisteredModel {
  id: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  /** Alias → version number. */
  aliases: Record<string, number>;
  /** Aliases only admin keys may move. */
  protectedAliases: string[];
  latestVersion: number;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
}

export interface ModelVersion {
  modelId: string;
  name: string;
  version: number;
  runId: string;
  artifactPath: string;
  source: string;
  /** SHA-256 of the version's manifest: the identity of exactly these files. */
  digest: string;
  status: 'READY';
  stage: Stage;
  description: string;
  tags: Record<string, string>;
  aliases: string[];
  fileCount: number;
  totalSize: number;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
}

export interface VersionFile {
  path: string;
  sha256: string;
  size: number;
}

export interface ResolvedModel {
  model: string;
  ref: string;
  version: ModelVersion;
  run: { id: string; name: string; experimentId: string; status: string };
  files: (VersionFile & { url: string })[];
  /** When the URLs stop working (ms since the epoch). */
  expiresAt: number;
}

export interface Lineage {
  version: ModelVersion;
  run: {
    id: string;
    name: string;
    experimentId: string;
    status: string;
    user: string;
    startTime: number;
    endTime: number | null;
    lifecycleStage: string;
    params: Record<string, string>;
    metrics: Record<string, { value: number | string; step: number; timestamp: number }>;
    tags: Record<string, string>;
  };
  datasets: { dataset: string; version: number; digest: string; context: string }[];
}

export interface AuditEvent {
  id: string;
  tenantId: string;
  type: string;
  actor: { keyId: string; name: string; role: string };
  time: string;
  resource: string;
  before: unknown;
  after: unknown;
}

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  description: string;
  createdAt: string;
  createdBy: { keyId: string; name: string; role: string };
}

export interface WebhookDelivery {
  webhookId: string;
  eventId: string;
  eventType: string;
  eventTime: string;
  status: 'pending' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';
  attempts: {
    attempt: number;
    at: string;
    status: number | null;
    error: string | null;
    durationMs: number;
  }[];
  nextAttemptAt: string | null;
}

const seg = encodeURIComponent;
const at = (name: string) => `/models/${seg(name)}`;

function query(params: Record<string, string | number | undefined>): string {
  const pairs = Object.entries(params).filter(
    (pair): pair is [string, string | number] => pair[1] !== undefined,
  );
  return pairs.length ? `?${pairs.map(([key, value]) => `${key}=${seg(String(value))}`).join('&')}` : '';
}

/** `<runId>:<artifactPath>`, as `cairn models register` takes it. */
export function parseRunArtifact(text: string): { runId: string; artifactPath: string } {
  const colon = text.indexOf(':');
  const runId = colon < 0 ? '' : text.slice(0, colon);
  const artifactPath = colon < 0 ? '' : text.slice(colon + 1);
  if (!/^[0-9a-f]{32}$/.test(runId) || !artifactPath) {
    throw new CairnError(
      'client.invalid_argument',
      `"${text}" is not <runId>:<artifactPath>, e.g. 3f2a…9c:model`,
    );
  }
  return { runId, artifactPath };
}

export function createModel(
  client: ApiClient,
  input: { name: string; description?: string; tags?: Record<string, string> },
): Promise<RegisteredModel> {
  return client.request<{ model: RegisteredModel }>('POST', '/models', input).then((answer) => answer.model);
}

/**
 * Registers the next version of `name` from a run's artifact folder, creating the model first
 * when it does not exist (as MLflow's `register_model` does). The files are not copied.
 *
 * @example
 * const version = await registerModel(cairn, { name: 'fraud', runId: run.id, artifactPath: 'model' });
 */
export async function registerModel(
  client: ApiClient,
  input: {
    name: string;
    runId: string;
    artifactPath: string;
    description?: string;
    tags?: Record<string, string>;
  },
): Promise<ModelVersion> {
  const { name, ...version } = input;
  try {
    await createModel(client, { name });
  } catch (error) {
    if (!CairnError.is(error, 'models.already_exists')) throw error;
  }
  return (await client.request<{ version: ModelVersion }>('POST', `${at(name)}/versions`, version)).version;
}

export async function getModel(
  client: ApiClient,
  name: string,
): Promise<{ model: RegisteredModel; latestVersions: ModelVersion[] }> {
  return client.request('GET', at(name));
}

/** Registered models, by MLflow's filter grammar (`name LIKE 'fraud%'`), up to `max`. */
export async function listModels(
  client: ApiClient,
  options: { filter?: string; max?: number } = {},
): Promise<RegisteredModel[]> {
  const max = options.max ?? 1000;
  const models: RegisteredModel[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.request<{ models: RegisteredModel[]; nextPageToken?: string }>(
      'GET',
      `/models${query({ filter: options.filter, maxResults: Math.min(1000, max - models.length), pageToken })}`,
    );
    models.push(...page.models);
    pageToken = page.nextPageToken;
  } while (pageToken && models.length < max);
  return models;
}

/** A model's versions, newest first, optionally in one stage. */
export async function listModelVersions(
  client: ApiClient,
  name: string,
  options: { stage?: Stage; max?: number } = {},
): Promise<ModelVersion[]> {
  const max = options.max ?? 1000;
  const versions: ModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.request<{ versions: ModelVersion[]; nextPageToken?: string }>(
      'GET',
      `${at(name)}/versions${query({ stage: options.stage, maxResults: Math.min(1000, max - versions.length), pageToken })}`,
    );
    versions.push(...page.versions);
    pageToken = page.nextPageToken;
  } while (pageToken && versions.length < max);
  return versions;
}

export async function getModelVersion(
  client: ApiClient,
  name: string,
  version: number,
): Promise<ModelVersion & { files: VersionFile[] }> {
  return (
    await client.request<{ version: ModelVersion & { files: VersionFile[] } }>(
      'GET',
      `${at(name)}/versions/${version}`,
    )
  ).version;
}

/** Points an alias at a version (a promotion); a protected alias needs an admin key. */
export async function promote(
  client: ApiClient,
  name: string,
  version: number,
  alias: string,
): Promise<ModelVersion> {
  return (
    await client.request<{ version: ModelVersion }>('PUT', `${at(name)}/aliases/${seg(alias)}`, { version })
  ).version;
}

export async function removeAlias(client: ApiClient, name: string, alias: string): Promise<RegisteredModel> {
  return (await client.request<{ model: RegisteredModel }>('DELETE', `${at(name)}/aliases/${seg(alias)}`))
    .model;
}

/** MLflow's stages; `archiveExistingVersions` archives the versions that held Staging or Production. */
export async function setStage(
  client: ApiClient,
  name: string,
  version: number,
  stage: Stage,
  archiveExistingVersions = false,
): Promise<ModelVersion> {
  return (
    await client.request<{ version: ModelVersion }>('POST', `${at(name)}/versions/${version}/stage`, {
      stage,
      archiveExistingVersions,
    })
  ).version;
}

/**
 * `fraud@production` (also `fraud@3`, `models/fraud@champion`, MLflow's `models:/fraud/Production`)
 * → the version, its run, and its files with sizes, digests and short-lived download URLs.
 */
export function resolveModel(client: ApiClient, ref: string): Promise<ResolvedModel> {
  return client.request('GET', `/resolve${query({ uri: ref })}`);
}

/**
 * Downloads the files of `fraud@production` into `dest`, each verified against its size and
 * SHA-256. The ref is resolved once: if the alias moves during the download, the files still all
 * belong to the version it named at the start. Files already there with the right digest are kept.
 *
 * @example
 * const { version } = await downloadModel(cairn, 'fraud@production', './model');
 */
export async function downloadModel(
  client: ApiClient,
  ref: string,
  dest: string,
  options: TransferOptions = {},
): Promise<{ resolved: ResolvedModel } & DownloadResult> {
  const resolved = await resolveModel(client, ref);
  const pinned = `${resolved.model}@${resolved.version.version}`;
  let fresh: ResolvedModel | undefined = resolved;
  const result = await downloadFiles(resolved.files, dest, {
    ...options,
    urlsFor: async (paths) => {
      // The first batch uses the URLs in hand; later ones (and retries after expiry) re-sign.
      const current: ResolvedModel = fresh ?? (await resolveModel(client, pinned));
      fresh = undefined;
      const wanted = new Set(paths);
      return current.files.filter((file) => wanted.has(file.path)).map(({ path, url }) => ({ path, url }));
    },
  });
  return { resolved, ...result };
}

/** Where a version came from: its run's params and final metrics, and the dataset versions it used. */
export async function modelLineage(client: ApiClient, name: string, version: number): Promise<Lineage> {
  return (await client.request<{ lineage: Lineage }>('GET', `${at(name)}/versions/${version}/lineage`))
    .lineage;
}

/** The model versions trained on a dataset version (`ref`: a number, `latest` or a tag). */
export async function modelsTrainedOn(
  client: ApiClient,
  dataset: string,
  ref = 'latest',
): Promise<ModelVersion[]> {
  return (
    await client.request<{ versions: ModelVersion[] }>(
      'GET',
      `/model-versions${query({ dataset, datasetVersion: ref, maxResults: 1000 })}`,
    )
  ).versions;
}

export interface AuditQuery {
  /** ISO 8601, milliseconds since the epoch, or a duration back from now: `90m`, `12h`, `7d`, `2w`. */
  since?: string | number;
  until?: string | number;
  /** `models/fraud`, `keys/<id>`, `runs/<id>`. */
  resource?: string;
  /** An API key id. */
  actor?: string;
  /** An event type or a prefix: `model.alias.*`. */
  type?: string;
  max?: number;
}

/** `7d` → the ISO time seven days ago; ISO times and epoch milliseconds pass through. */
export function timeBound(value: string | number, now = Date.now()): string {
  if (typeof value === 'number') return new Date(value).toISOString();
  const relative = /^(\d+)([smhdw])$/.exec(value.trim());
  if (relative) {
    const unit = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[
      relative[2] as 's' | 'm' | 'h' | 'd' | 'w'
    ];
    return new Date(now - Number(relative[1]) * unit).toISOString();
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw new CairnError('client.invalid_argument', `"${value}" is not a time: use ISO 8601 or 7d, 12h, 30m`);
  }
  return new Date(parsed).toISOString();
}

/** The tenant's audit log, newest first. */
export async function audit(client: ApiClient, options: AuditQuery = {}): Promise<AuditEvent[]> {
  const max = options.max ?? 100;
  const events: AuditEvent[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.request<{ events: AuditEvent[]; nextPageToken?: string }>(
      'GET',
      `/audit${query({
        since: options.since === undefined ? undefined : timeBound(options.since),
        until: options.until === undefined ? undefined : timeBound(options.until),
        resource: options.resource,
        actor: options.actor,
        type: options.type,
        maxResults: Math.min(500, max - events.length),
        pageToken,
      })}`,
    );
    events.push(...page.events);
    pageToken = page.nextPageToken;
  } while (pageToken && events.length < max);
  return events;
}

/** Registers a webhook (admin); the answer's `secret` is shown this once. */
export async function addWebhook(
  client: ApiClient,
  input: { url: string; events?: string[]; description?: string },
): Promise<Webhook & { secret: string }> {
  return (await client.request<{ webhook: Webhook & { secret: string } }>('POST', '/webhooks', input))
    .webhook;
}

export async function listWebhooks(client: ApiClient): Promise<Webhook[]> {
  return (await client.request<{ webhooks: Webhook[] }>('GET', '/webhooks')).webhooks;
}

export async function removeWebhook(client: ApiClient, webhookId: string): Promise<Webhook> {
  return (await client.request<{ webhook: Webhook }>('DELETE', `/webhooks/${seg(webhookId)}`)).webhook;
}

export async function webhookDeliveries(
  client: ApiClient,
  webhookId: string,
  max = 50,
): Promise<WebhookDelivery[]> {
  return (
    await client.request<{ deliveries: WebhookDelivery[] }>(
      'GET',
      `/webhooks/${seg(webhookId)}/deliveries${query({ maxResults: Math.min(200, max) })}`,
    )
  ).deliveries;
}

/**
 * For a webhook receiver: whether a delivery is genuine and recent. `X-Cairn-Signature` is
 * `sha256=<hex>`, an HMAC-SHA256 keyed with the webhook's secret over `<timestamp>.<raw body>`,
 * `X-Cairn-Timestamp` the Unix time it was signed. Check the raw body, before parsing it.
 *
 * @example
 * const ok = await verifyWebhook(secret, {
 *   timestamp: request.headers['x-cairn-timestamp'], signature: request.headers['x-cairn-signature'],
 * }, rawBody);
 */
export async function verifyWebhook(
  secret: string,
  headers: { timestamp: string | undefined | null; signature: string | undefined | null },
  body: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): Promise<boolean> {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || !headers.signature?.startsWith('sha256=')) return false;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const hex = headers.signature.slice('sha256='.length);
  if (!/^[0-9a-f]{64}$/.test(hex)) return false;
  const given = new Uint8Array(hex.match(/../g)!.map((byte) => Number.parseInt(byte, 16)));
  // WebCrypto's verify compares in constant time.
  return crypto.subtle.verify('HMAC', key, given, encoder.encode(`${timestamp}.${body}`));
}

/** `cairn.models`: the model registry. */
export interface ModelsApi {
  /** A registered model with no versions yet (`register` creates the model too). */
  create(input: {
    name: string;
    description?: string;
    tags?: Record<string, string>;
  }): Promise<RegisteredModel>;
  /**
   * The next version of `name` from a run's artifact folder, creating the model when it does not
   * exist. The files are referenced by digest, not copied.
   *
   * @example
   * const version = await cairn.models.register({ name: 'fraud', runId: run.id, artifactPath: 'model' });
   */
  register(input: {
    name: string;
    runId: string;
    artifactPath: string;
    description?: string;
    tags?: Record<string, string>;
  }): Promise<ModelVersion>;
  get(name: string): Promise<{ model: RegisteredModel; latestVersions: ModelVersion[] }>;
  /** By MLflow's filter grammar (`name LIKE 'fraud%'`), up to `max` (default 1,000). */
  list(options?: { filter?: string; max?: number }): Promise<RegisteredModel[]>;
  /** Newest first, optionally in one stage. */
  versions(name: string, options?: { stage?: Stage; max?: number }): Promise<ModelVersion[]>;
  /** One version with its files. */
  version(name: string, version: number): Promise<ModelVersion & { files: VersionFile[] }>;
  /**
   * Points an alias at a version (a protected alias needs an admin key), and/or moves it to an
   * MLflow stage (`archiveExisting`: archive the versions that held that stage).
   *
   * @example
   * await cairn.models.promote('fraud', 3, { alias: 'production' });
   */
  promote(
    name: string,
    version: number,
    options: { alias?: string; stage?: Stage; archiveExisting?: boolean },
  ): Promise<ModelVersion>;
  removeAlias(name: string, alias: string): Promise<RegisteredModel>;
  /**
   * `fraud@production` (also `fraud@3`, `models:/fraud/Production`) → the version, its run, and its
   * files with sizes, SHA-256 digests and short-lived download URLs.
   */
  resolve(ref: string): Promise<ResolvedModel>;
  /**
   * Downloads the files of a version into `dest` (Node), each verified against its size and SHA-256.
   * The ref is resolved once, so a moving alias cannot mix two versions' files.
   *
   * @example
   * const { resolved } = await cairn.models.download('fraud@production', './model');
   */
  download(
    ref: string,
    dest: string,
    options?: TransferOptions,
  ): Promise<{ resolved: ResolvedModel } & DownloadResult>;
  /** The version's run (params, final metrics) and the dataset versions it was trained on. */
  lineage(name: string, version: number): Promise<Lineage>;
  /** The other way: the model versions trained on a dataset version (a number, `latest` or a tag). */
  trainedOn(dataset: string, version?: number | string): Promise<ModelVersion[]>;
}

export function modelsApi(client: ApiClient): ModelsApi {
  return {
    create: (input) => createModel(client, input),
    register: (input) => registerModel(client, input),
    get: (name) => getModel(client, name),
    list: (options) => listModels(client, options),
    versions: (name, options) => listModelVersions(client, name, options),
    version: (name, version) => getModelVersion(client, name, version),
    promote: async (name, version, options) => {
      if (!options.alias && !options.stage) {
        throw new CairnError('client.invalid_argument', 'promote needs an alias or a stage');
      }
      let promoted: ModelVersion | undefined;
      if (options.alias) promoted = await promote(client, name, version, options.alias);
      if (options.stage) {
        promoted = await setStage(client, name, version, options.stage, options.archiveExisting ?? false);
      }
      return promoted!;
    },
    removeAlias: (name, alias) => removeAlias(client, name, alias),
    resolve: (ref) => resolveModel(client, ref),
    download: (ref, dest, options) => downloadModel(client, ref, dest, options),
    lineage: (name, version) => modelLineage(client, name, version),
    trainedOn: (dataset, version) => modelsTrainedOn(client, dataset, String(version ?? 'latest')),
  };
}

/** `cairn.webhooks` (admin keys): where registry events are delivered, signed. */
export interface WebhooksApi {
  /**
   * Registers a receiver for the events matching `events` (types or prefixes such as
   * `model.alias.*`; default all). The answer's `secret`, shown this once, signs every delivery:
   * check it with `verifyWebhook`.
   */
  add(input: { url: string; events?: string[]; description?: string }): Promise<Webhook & { secret: string }>;
  list(): Promise<Webhook[]>;
  remove(webhookId: string): Promise<Webhook>;
  /** Recent deliveries, each with its attempts. */
  deliveries(webhookId: string, options?: { max?: number }): Promise<WebhookDelivery[]>;
}

export function webhooksApi(client: ApiClient): WebhooksApi {
  return {
    add: (input) => addWebhook(client, input),
    list: () => listWebhooks(client),
    remove: (webhookId) => removeWebhook(client, webhookId),
    deliveries: (webhookId, options) => webhookDeliveries(client, webhookId, options?.max),
  };
}
