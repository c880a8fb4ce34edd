import { randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, test } from 'vitest';
import { bucketFor } from '#blobs/client.ts';
import { serviceTable, table, withTenantScope } from './client.ts';
import { indexes } from './definition.ts';
import { keys } from './keys.ts';
import {
  checkObjectCommand,
  checkTableCommand,
  objectCommandActions,
  type Reach,
  tableAccessOf,
  tableCommandActions,
  tenantGuardEnabled,
} from './tenant-guard.ts';

const acme: Reach = { kind: 'tenant', tenantId: 'acme' };
const refused = (check: () => void) =>
  expect(check).toThrow(expect.objectContaining({ name: 'TenantGuardError' }));

describe('tenant guard: which keys a command touches (offline)', () => {
  test('reads the partition of items, index entries, queries, batches and transactions', () => {
    expect(tableAccessOf('GetItemCommand', { Key: { pk: 'acme#RUN#1', sk: 'RUN' } })).toEqual({
      leadingKeys: ['acme#RUN#1'],
      indexKeys: [],
    });
    expect(
      tableAccessOf('PutItemCommand', { Item: { pk: 'acme#RUN#1', sk: 'RUN', gsi1pk: 'umbra#EXPRUNS#0#1' } }),
    ).toEqual({ leadingKeys: ['acme#RUN#1'], indexKeys: ['umbra#EXPRUNS#0#1'] });
    expect(
      tableAccessOf('UpdateItemCommand', {
        Key: { pk: { S: 'acme#RUN#1' }, sk: { S: 'RUN' } },
        UpdateExpression: 'SET #g = :g, updatedAt = :now',
        ExpressionAttributeNames: { '#g': 'gsi1pk' },
        ExpressionAttributeValues: { ':g': { S: 'umbra#X' }, ':now': { N: '1' } },
      }),
    ).toEqual({ leadingKeys: ['acme#RUN#1'], indexKeys: ['umbra#X'] });
    expect(
      tableAccessOf('QueryCommand', {
        IndexName: indexes.gsi1,
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk > :since',
        ExpressionAttributeValues: { ':pk': 'acme#EXPRUNS#0#1', ':since': '0' },
      }).leadingKeys,
    ).toEqual(['acme#EXPRUNS#0#1']);
    expect(
      tableAccessOf('QueryCommand', {
        KeyConditionExpression: '#pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':p': 'acme#AUDIT', ':s': 'x' },
      }).leadingKeys,
    ).toEqual(['acme#AUDIT']);
    expect(
      tableAccessOf('BatchWriteItemCommand', {
        RequestItems: {
          t: [
            { PutRequest: { Item: { pk: 'acme#A', sk: '1' } } },
            { DeleteRequest: { Key: { pk: 'umbra#B', sk: '1' } } },
          ],
        },
      }).leadingKeys,
    ).toEqual(['acme#A', 'umbra#B']);
    expect(
      tableAccessOf('TransactWriteItemsCommand', {
        TransactItems: [
          { Put: { Item: { pk: 'a#1', sk: 's' } } },
          {
            Update: {
              Key: { pk: 'a#2', sk: 's' },
              UpdateExpression: 'SET x = :x',
              ExpressionAttributeValues: { ':x': 1 },
            },
          },
          { Delete: { Key: { pk: 'a#3', sk: 's' } } },
          { ConditionCheck: { Key: { pk: 'a#4', sk: 's' } } },
        ],
      }).leadingKeys,
    ).toEqual(['a#1', 'a#2', 'a#3', 'a#4']);
  });

  test('refuses a command it does not know, or a shape of one it cannot read, instead of letting it through', () => {
    refused(() => tableAccessOf('ExecuteStatementCommand', { Statement: 'SELECT * FROM t' }));
    refused(() =>
      tableAccessOf('QueryCommand', {
        KeyConditionExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': 'a' },
      }),
    );
    refused(() =>
      tableAccessOf('UpdateItemCommand', {
        Key: { pk: 'acme#1', sk: 's' },
        UpdateExpression: 'REMOVE gsi1pk',
      }),
    );
    refused(() => checkObjectCommand(acme, 'CopyObjectCommand', { Key: 'acme/x', CopySource: 'b/umbra/y' }));
    refused(() => checkObjectCommand(acme, 'ListBucketsCommand', {}));
  });

  test('knows every command it maps to IAM actions', () => {
    for (const command of Object.keys(tableCommandActions)) {
      expect(() => tableAccessOf(command, sampleInput(command)), command).not.toThrow();
    }
    for (const command of Object.keys(objectCommandActions)) {
      expect(
        () =>
          checkObjectCommand(acme, command, {
            Bucket: 'b',
            Key: 'acme/x',
            Prefix: 'acme/',
            CopySource: 'b/acme/y',
          }),
        command,
      ).not.toThrow();
    }
  });
});

/** The smallest well-formed input of each table command, for tenant acme. */
function sampleInput(command: string) {
  const key = { pk: 'acme#X', sk: 's' };
  switch (command) {
    case 'PutItemCommand':
      return { Item: key };
    case 'QueryCommand':
      return { KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'acme#X' } };
    case 'BatchGetItemCommand':
      return { RequestItems: { t: { Keys: [key] } } };
    case 'BatchWriteItemCommand':
      return { RequestItems: { t: [{ PutRequest: { Item: key } }] } };
    case 'TransactGetItemsCommand':
      return { TransactItems: [{ Get: { Key: key } }] };
    case 'TransactWriteItemsCommand':
      return { TransactItems: [{ Put: { Item: key } }] };
    default:
      return { Key: key };
  }
}

describe('tenant guard: who may reach what (offline)', () => {
  const get = (pk: string) => ({ Key: { pk, sk: 's' } });

  test("a tenant reaches its own partitions and objects, never another tenant's or key management's", () => {
    checkTableCommand(acme, 'GetItemCommand', get(keys.run('acme', 'r1').pk));
    checkObjectCommand(acme, 'PutObjectCommand', { Key: 'acme/blobs/sha256/ab' });
    checkObjectCommand(acme, 'ListObjectsV2Command', { Prefix: 'acme/blobs/' });
    for (const pk of [
      keys.run('umbra', 'r1').pk,
      'acme-2#RUN#r1',
      keys.tenant('acme').pk,
      keys.apiKeysOf('acme'),
    ])
      refused(() => checkTableCommand(acme, 'GetItemCommand', get(pk)));
    refused(() =>
      checkTableCommand(acme, 'PutItemCommand', {
        Item: { pk: 'acme#RUN#1', sk: 'RUN', gsi1pk: 'umbra#EXPRUNS#0#1' },
      }),
    );
    refused(() => checkTableCommand(acme, 'ScanCommand', {}));
    for (const Key of ['umbra/blobs/sha256/ab', 'acme-2/x', 'acme', '/acme/x'])
      refused(() => checkObjectCommand(acme, 'GetObjectCommand', { Key }));
    for (const Prefix of ['umbra/', '', 'acme', undefined])
      refused(() => checkObjectCommand(acme, 'ListObjectsV2Command', { Prefix }));
  });

  test("a copy (the upload verifier's) reads and writes the tenant's own objects only, in the same bucket", () => {
    for (const command of ['CopyObjectCommand', 'UploadPartCopyCommand']) {
      const copy = (CopySource: unknown, Key = 'acme/blobs/sha256/ab') => ({ Bucket: 'b', Key, CopySource });
      checkObjectCommand(acme, command, copy('b/acme/staging/x1'));
      checkObjectCommand(acme, command, copy('/b/acme/staging/x%201?versionId=3'));
      for (const source of [
        'b/umbra/staging/x1',
        'b/acme-2/staging/x1',
        'other/acme/staging/x1',
        'b%2Facme/staging/x1',
        'b',
        'b/acme/%E0%A4%A',
        undefined,
      ])
        refused(() => checkObjectCommand(acme, command, copy(source)));
      refused(() => checkObjectCommand(acme, command, copy('b/acme/staging/x1', 'umbra/blobs/sha256/ab')));
    }
  });

  test("key management reaches key-management partitions only, and in a tenant's request only that tenant's", () => {
    const operator: Reach = { kind: 'keyManagement', tenantId: undefined };
    const inAcme: Reach = { kind: 'keyManagement', tenantId: 'acme' };
    for (const pk of [keys.tenant('umbra').pk, keys.apiKeysOf('umbra'), keys.apiKeyHash('ab').pk])
      checkTableCommand(operator, 'GetItemCommand', get(pk));
    for (const pk of [keys.tenant('acme').pk, keys.apiKeysOf('acme'), keys.apiKeyHash('ab').pk])
      checkTableCommand(inAcme, 'GetItemCommand', get(pk));
    for (const pk of [
      keys.datasetPartition('acme', 'KEYS'),
      keys.run('acme', 'r').pk,
      keys.apiKeysOf('umbra'),
    ])
      refused(() => checkTableCommand(inAcme, 'GetItemCommand', get(pk)));
    refused(() =>
      checkTableCommand(operator, 'BatchGetItemCommand', {
        RequestItems: { t: { Keys: [{ pk: 'KEYS#a', sk: 's' }] } },
      }),
    );
  });

  test('outside any tenant scope a function reaches nothing; only local maintenance reaches everything', () => {
    refused(() => checkTableCommand({ kind: 'none' }, 'GetItemCommand', get('acme#X')));
    refused(() => checkObjectCommand({ kind: 'none' }, 'GetObjectCommand', { Key: 'acme/x' }));
    checkTableCommand({ kind: 'maintenance' }, 'ScanCommand', {});
    checkObjectCommand({ kind: 'maintenance' }, 'AbortMultipartUploadCommand', { Key: 'umbra/x' });
  });
});

describe('tenant guard in the SDK clients (emulators)', () => {
  const tenant = () => `guard-${randomBytes(5).toString('hex')}`;

  test('is on in the local stack and the tests', () => {
    expect(tenantGuardEnabled()).toBe(true);
  });

  test("refuses another tenant's item before it is sent, and serves the tenant's own", async () => {
    const [a, b] = [tenant(), tenant()];
    await withTenantScope(b, async () => {
      const { name, doc } = table();
      await doc.send(new PutCommand({ TableName: name, Item: { ...keys.experiment(b, '1'), secret: 'b' } }));
    });

    await withTenantScope(a, async () => {
      const { name, doc } = table();
      await expect(
        doc.send(new GetCommand({ TableName: name, Key: keys.experiment(b, '1') })),
      ).rejects.toMatchObject({
        name: 'TenantGuardError',
      });
      await expect(
        doc.send(
          new QueryCommand({
            TableName: name,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.experimentsOf(b) },
          }),
        ),
      ).rejects.toMatchObject({ name: 'TenantGuardError' });
      await expect(doc.send(new ScanCommand({ TableName: name }))).rejects.toMatchObject({
        name: 'TenantGuardError',
      });
      const own = await doc.send(new GetCommand({ TableName: name, Key: keys.experiment(a, '1') }));
      expect(own.Item).toBeUndefined();
    });
    // Outside any tenant's request the functions' own access reaches no tenant data.
    const { name, doc } = table();
    await expect(
      doc.send(new GetCommand({ TableName: name, Key: keys.experiment(b, '1') })),
    ).rejects.toMatchObject({
      name: 'TenantGuardError',
    });
  });

  test("keeps key management to key-management items, and to the tenant's own inside its request", async () => {
    const [a, b] = [tenant(), tenant()];
    const { name, doc } = serviceTable();
    await withTenantScope(a, async () => {
      await doc.send(new GetCommand({ TableName: name, Key: keys.tenant(a) }));
      for (const Key of [keys.tenant(b), keys.datasetVersion(a, 'KEYS', 1), keys.run(a, 'r1')]) {
        await expect(doc.send(new GetCommand({ TableName: name, Key }))).rejects.toMatchObject({
          name: 'TenantGuardError',
        });
      }
    });
    // An operator (no tenant) may reach any tenant's key items, and still no tenant data.
    await doc.send(new GetCommand({ TableName: name, Key: keys.tenant(b) }));
    await expect(doc.send(new GetCommand({ TableName: name, Key: keys.run(b, 'r1') }))).rejects.toMatchObject(
      {
        name: 'TenantGuardError',
      },
    );
  });

  test("refuses objects, listings and presigned URLs outside the tenant's prefix, and unknown commands", async () => {
    const [a, b] = [tenant(), tenant()];
    await withTenantScope(a, async () => {
      const { bucket, s3 } = await bucketFor(a);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${a}/probe`, Body: 'mine' }));
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${a}/` }));
      expect(listed.Contents?.map((object) => object.Key)).toEqual([`${a}/probe`]);
      for (const command of [
        new GetObjectCommand({ Bucket: bucket, Key: `${b}/probe` }),
        new ListObjectsV2Command({ Bucket: bucket }),
        new ListBucketsCommand({}),
        new CopyObjectCommand({ Bucket: bucket, Key: `${a}/copy`, CopySource: `${bucket}/${b}/probe` }),
      ]) {
        await expect(s3.send(command as never)).rejects.toMatchObject({ name: 'TenantGuardError' });
      }
      await expect(
        getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: `${b}/blobs/sha256/ab` }), {
          expiresIn: 60,
        }),
      ).rejects.toMatchObject({ name: 'TenantGuardError' });
      expect(
        await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: `${a}/probe` }), {
          expiresIn: 60,
        }),
      ).toContain(`/${a}/probe`);

      // Another tenant's client, inside this tenant's request: a handler mixing tenants.
      const other = await bucketFor(b);
      await expect(
        other.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${b}/probe` })),
      ).rejects.toMatchObject({ name: 'TenantGuardError' });
    });
  });
});
