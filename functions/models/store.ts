import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor } from '#functions/events/schema.ts';
import * as Events from '#functions/events/store.ts';
import { CairnError } from '#http/errors.ts';
import { table } from '#table/client.ts';
import { keys, modelSortPrefix } from '#table/keys.ts';
import { transactWrite } from '#table/transact.ts';
import { asUserMap, patched, userMap, valueAt, without } from '#table/user-maps.ts';
import {
  changeModel,
  modelsBusy,
  modelsFromTable,
  modelTooLarge,
  modelToTable,
  readModel,
  requireModel,
  requireVersion,
  sameEntries,
  toModel,
  toVersion,
} from './model-items.ts';
import { isReservedAlias, type Model, type ModelVersion } from './schema.ts';

/** `models/<name>`: the resource every registry event of a model is filed under in the audit log. */
export const resourceOf = (name: string) => `models/${name}`;

/** A model as events carry it: what a subscriber needs, not the whole item. */
const modelState = (model: Model) => ({
  model: model.name,
  description: model.description,
  tags: model.tags,
  aliases: model.aliases,
  protectedAliases: model.protectedAliases,
});

/** Creates a registered model; its name is unique among the tenant's live models. */
export async function createModel(
  tenantId: string,
  input: { name: string; description?: string; tags?: Record<string, string> },
  actor: Actor,
): Promise<Model> {
  const tableName = table().name;
  const now = Date.now();
  const model: Model = {
    id: randomBytes(8).toString('hex'),
    name: input.name,
    description: input.description ?? '',
    tags: asUserMap(input.tags),
    aliases: userMap(),
    protectedAliases: [],
    latestVersion: 0,
    createdAt: now,
    updatedAt: now,
    createdBy: actor.name,
  };
  const event = Events.newEvent(tenantId, {
    type: 'model.created',
    actor,
    resource: resourceOf(model.name),
    after: modelState(model),
  });
  await transactWrite(
    () => ({
      items: [
        {
          Put: {
            TableName: tableName,
            Item: { ...keys.model(tenantId, model.name), ...modelToTable(model), rev: 1 },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: {
              ...keys.modelHead(tenantId, model.id),
              modelId: model.id,
              name: model.name,
              deleted: false,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...Events.auditWrites(event),
      ],
      result: model,
      onConditionFailed: (index) =>
        index === 0
          ? new CairnError(
              'models.already_exists',
              `A registered model named "${model.name}" already exists`,
              {
                name: model.name,
              },
            )
          : undefined,
    }),
    { busy: () => modelsBusy(model.name), tooLarge: () => modelTooLarge(model.name) },
  );
  return model;
}

/** One registered model by name (key `model`). */
export async function getModel(tenantId: string, name: string): Promise<Model> {
  return toModel(await requireModel(tenantId, name));
}

/** Every live registered model of the tenant (partition `modelsOf`, `MODEL#` items), by name. */
export async function listModels(tenantId: string): Promise<Model[]> {
  const { name, doc } = table();
  const found: Model[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.modelsOf(tenantId), ':prefix': modelSortPrefix },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of modelsFromTable(page.Items ?? [])) found.push(toModel(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/**
 * Renames a model, sets its description, sets or deletes (null) its tags: one event, `model.renamed`
 * when the name changes, else `model.updated`. Versions and aliases follow the model.
 */
export async function updateModel(
  tenantId: string,
  name: string,
  patch: { name?: string; description?: string; tags?: Record<string, string | null> },
  actor: Actor,
): Promise<Model> {
  if (patch.name !== undefined && patch.name !== name && (await readModel(tenantId, patch.name))) {
    throw new CairnError('models.already_exists', `A registered model named "${patch.name}" already exists`, {
      name: patch.name,
    });
  }
  return changeModel(tenantId, name, (item) => {
    const current = toModel(item);
    if (patch.name !== undefined && patch.name !== current.name)
      refuseUnlessAdminForGate(current, 'rename', actor);
    const next: Model = {
      ...current,
      name: patch.name ?? current.name,
      description: patch.description ?? current.description,
      tags: patched(current.tags, patch.tags ?? {}),
      updatedAt: Math.max(Date.now(), current.updatedAt + 1),
    };
    const renamed = next.name !== current.name;
    // Deleting a tag that is not there (MLflow's delete-tag) changes nothing: no write, no event.
    const unchanged =
      !renamed && next.description === current.description && sameEntries(next.tags, current.tags);
    return {
      next,
      unchanged,
      event: {
        type: renamed ? 'model.renamed' : 'model.updated',
        actor,
        resource: resourceOf(next.name),
        before: modelState(current),
        after: modelState(next),
      },
      result: unchanged ? current : next,
    };
  });
}

/**
 * Soft-deletes a model: it leaves the listing and frees its name (as MLflow's delete does), while
 * its versions and their files stay in the table under its id.
 */
export async function deleteModel(tenantId: string, name: string, actor: Actor): Promise<Model> {
  return changeModel(tenantId, name, (item) => {
    const current = toModel(item);
    refuseUnlessAdminForGate(current, 'delete', actor);
    const next = { ...current, updatedAt: Math.max(Date.now(), current.updatedAt + 1) };
    return {
      next,
      deleted: true,
      event: {
        type: 'model.deleted',
        actor,
        resource: resourceOf(name),
        before: modelState(current),
        after: null,
      },
      result: next,
    };
  });
}

/** Sets which aliases only admin keys may set, move or remove (the caller's route is admin-only). */
export async function setProtectedAliases(
  tenantId: string,
  name: string,
  aliases: readonly string[],
  actor: Actor,
): Promise<Model> {
  return changeModel(tenantId, name, (item) => {
    const current = toModel(item);
    const next = {
      ...current,
      protectedAliases: [...new Set(aliases)].sort(),
      updatedAt: Math.max(Date.now(), current.updatedAt + 1),
    };
    return {
      next,
      event: {
        type: 'model.protected_aliases_changed',
        actor,
        resource: resourceOf(name),
        before: { model: name, protectedAliases: current.protectedAliases },
        after: { model: name, protectedAliases: next.protectedAliases },
      },
      result: next,
    };
  });
}

function refuseReserved(alias: string) {
  if (isReservedAlias(alias)) {
    throw new CairnError(
      'models.reserved_alias',
      `"${alias}" cannot be an alias: "latest", "v<number>" and plain numbers name versions`,
      { alias },
    );
  }
}

function refuseUnlessAdmin(model: Model, alias: string, actor: Actor) {
  if (model.protectedAliases.includes(alias) && actor.role !== 'admin') {
    throw new CairnError(
      'models.alias_protected',
      `Alias "${alias}" of model "${model.name}" is protected: only an admin key may set, move or remove it`,
      { name: model.name, alias, role: actor.role },
    );
  }
}

/**
 * A model that protects aliases is a promotion gate, and its name is part of the gate: deleting or
 * renaming it would free the name for a new model whose aliases no one protects, so that
 * `models/<name>@production` resolved to whatever a writer registered there. Only an admin may.
 */
function refuseUnlessAdminForGate(model: Model, action: 'delete' | 'rename', actor: Actor) {
  if (model.protectedAliases.length > 0 && actor.role !== 'admin') {
    throw new CairnError(
      'models.alias_protected',
      `Model "${model.name}" protects aliases ${model.protectedAliases.join(', ')}: only an admin key may ${action} it`,
      { name: model.name, protectedAliases: model.protectedAliases, role: actor.role },
    );
  }
}

/**
 * Points an alias at a version: `model.alias.set` for a new alias, `model.alias.moved` when it
 * pointed elsewhere. The version must exist, and must still exist when the alias is written.
 */
export async function setAlias(
  tenantId: string,
  name: string,
  alias: string,
  version: number,
  actor: Actor,
): Promise<ModelVersion> {
  refuseReserved(alias);
  return changeModel(tenantId, name, async (item) => {
    const current = toModel(item);
    refuseUnlessAdmin(current, alias, actor);
    const target = await requireVersion(tenantId, item, version, true);
    const previous = valueAt(current.aliases, alias);
    const next: Model = {
      ...current,
      aliases: patched(current.aliases, userMap([[alias, version]])),
      updatedAt: Math.max(Date.now(), current.updatedAt + 1),
    };
    return {
      next,
      writes: [
        {
          ConditionCheck: {
            TableName: table().name,
            Key: keys.modelVersion(tenantId, item.id, version),
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
          },
        },
      ],
      event: {
        type: previous === undefined ? 'model.alias.set' : 'model.alias.moved',
        actor,
        resource: resourceOf(name),
        before: previous === undefined ? null : { model: name, alias, version: previous },
        after: { model: name, alias, version, runId: target.runId, digest: target.digest },
      },
      result: toVersion(target, next),
    };
  });
}

/** Removes an alias (`model.alias.removed`); an alias that does not exist is `models.alias_not_found`. */
export async function removeAlias(
  tenantId: string,
  name: string,
  alias: string,
  actor: Actor,
): Promise<Model> {
  return changeModel(tenantId, name, (item) => {
    const current = toModel(item);
    const previous = valueAt(current.aliases, alias);
    if (previous === undefined) {
      throw new CairnError('models.alias_not_found', `Model "${name}" has no alias "${alias}"`, {
        name,
        alias,
      });
    }
    refuseUnlessAdmin(current, alias, actor);
    const aliases = without(current.aliases, (name) => name === alias);
    const next = { ...current, aliases, updatedAt: Math.max(Date.now(), current.updatedAt + 1) };
    return {
      next,
      event: {
        type: 'model.alias.removed',
        actor,
        resource: resourceOf(name),
        before: { model: name, alias, version: previous },
        after: null,
      },
      result: next,
    };
  });
}

/** The version an alias points at (MLflow's get-model-version-by-alias). */
export async function versionByAlias(tenantId: string, name: string, alias: string): Promise<ModelVersion> {
  const item = await requireModel(tenantId, name);
  const version = valueAt(item.aliases, alias);
  if (version === undefined) {
    throw new CairnError('models.alias_not_found', `Model "${name}" has no alias "${alias}"`, {
      name,
      alias,
    });
  }
  return toVersion(await requireVersion(tenantId, item, version), item);
}
