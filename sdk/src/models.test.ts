import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { newTenant } from '../../test/support/tenants.ts';
import { logArtifacts, useDataset } from './artifacts.ts';
import { Cairn } from './client.ts';
import { pushDataset } from './data-commands.ts';
import { modelCommands } from './model-commands.ts';
import {
  addWebhook,
  audit,
  downloadModel,
  modelLineage,
  modelsTrainedOn,
  parseRunArtifact,
  promote,
  registerModel,
  resolveModel,
  timeBound,
  verifyWebhook,
} from './models.ts';

/*
 * The registry story of the README, through the SDK against the real gateway: train and log, register
 * from the run's model folder, promote, resolve and download by alias, see the change in the audit
 * log and at a webhook receiver, and follow the lineage back to the dataset version.
 */

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function folder(files: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-models-'));
  folders.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function receiver() {
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  afterAll(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cairn`, received };
}

describe('the model registry through the SDK', () => {
  test('register from a run, promote, resolve and download by alias, audit, webhook and lineage', async () => {
    const tenant = await newTenant('sdk');
    const cairn = new Cairn({ url: inject('cairn').url, apiKey: tenant.adminKey });
    const { url, received } = await receiver();
    const webhook = await addWebhook(cairn, { url, events: ['model.alias.*'] });

    const data = await folder({ 'train.csv': 'amount,fraud\n12,0\n9000,1\n' });
    const { version: dataset } = await pushDataset(cairn, data, { name: 'transactions' });
    const run = await cairn.startRun({ experiment: 'fraud', params: { max_depth: 6 } });
    run.log({ auc: 0.93 }, { step: 10 });
    await useDataset(cairn, run.id, 'transactions');
    const model = await folder({ MLmodel: 'flavors: {sklearn: {}}\n', 'model.pkl': 'trained weights' });
    await logArtifacts(cairn, run.id, model, { artifactPath: 'model' });
    await run.end();

    const registered = await registerModel(cairn, { name: 'fraud', runId: run.id, artifactPath: 'model' });
    await promote(cairn, 'fraud', registered.version, 'production');
    const resolved = await resolveModel(cairn, 'fraud@production');
    const out = await folder();
    const downloaded = await downloadModel(cairn, 'fraud@production', out);

    expect(registered).toMatchObject({ name: 'fraud', version: 1, runId: run.id, fileCount: 2 });
    expect(resolved).toMatchObject({
      model: 'fraud',
      version: { version: 1, aliases: ['production'] },
      run: { id: run.id },
    });
    expect(downloaded).toMatchObject({ downloaded: 2, skipped: 0 });
    expect(await readFile(join(out, 'model.pkl'), 'utf8')).toBe('trained weights');

    const events = await audit(cairn, { since: '1h', resource: 'models/fraud' });
    expect(events.map((event) => event.type)).toEqual([
      'model.alias.set',
      'model.version.created',
      'model.created',
    ]);

    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(1);
    const delivery = received[0]!;
    expect(JSON.parse(delivery.body)).toMatchObject({
      type: 'model.alias.set',
      after: { alias: 'production', version: 1 },
    });
    const signed = {
      timestamp: delivery.headers['x-cairn-timestamp'] as string,
      signature: delivery.headers['x-cairn-signature'] as string,
    };
    expect(await verifyWebhook(webhook.secret, signed, delivery.body)).toBe(true);
    expect(await verifyWebhook(webhook.secret, signed, `${delivery.body} `)).toBe(false);

    const lineage = await modelLineage(cairn, 'fraud', 1);
    expect(lineage.run).toMatchObject({
      id: run.id,
      params: { max_depth: '6' },
      metrics: { auc: { value: 0.93 } },
    });
    expect(lineage.datasets).toEqual([
      { dataset: 'transactions', version: dataset.version, digest: dataset.digest, context: 'training' },
    ]);
    const trained = await modelsTrainedOn(cairn, 'transactions', String(dataset.version));
    expect(trained.map((version) => `${version.name}@${version.version}`)).toEqual(['fraud@1']);
  });

  test('the commands print the registry and refuse malformed input as usage errors', async () => {
    const tenant = await newTenant('sdk');
    const cairn = new Cairn({ url: inject('cairn').url, apiKey: tenant.adminKey });
    await cairn.request('POST', '/models', { name: 'churn', description: 'monthly churn' });
    const lines: string[] = [];
    const run = (
      words: string,
      args: string[],
      flags: Record<string, string | number | boolean | string[]> = {},
    ) =>
      modelCommands
        .find((command) => command.words.join(' ') === words)!
        .run({ args, flags, json: false, cairn: () => cairn, print: (text) => lines.push(text) });

    await run('models list', []);
    await run('audit', [], { since: '1h' });

    expect(lines[0]).toMatch(/^NAME\s+LATEST\s+ALIASES/);
    expect(lines[0]).toContain('monthly churn');
    expect(lines[1]).toContain('model.created');
    await expect(run('models register', ['nope'], { name: 'churn' })).rejects.toMatchObject({
      code: 'client.invalid_argument',
    });
    await expect(run('models promote', ['churn', '1'])).rejects.toThrow(/--alias/);
    expect(() => parseRunArtifact('0123456789abcdef0123456789abcdef:model')).not.toThrow();
    expect(timeBound('2d', Date.parse('2026-03-05T00:00:00Z'))).toBe('2026-03-03T00:00:00.000Z');
  });
});
