import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../../infra/local/stack.ts';

let shared: Promise<{ url: string; stop(): Promise<void> }> | undefined;

/**
 * One throwaway local stack (DynamoDB Local in memory) per benchmark process, shared by every
 * benchmark (the functions' clients are built once per process, as in a warm Lambda); each
 * benchmark gets a tenant of its own.
 */
export async function benchStack() {
  shared ??= (async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
    const stack = await startLocalStack({ dataDir, port: 0, persist: false });
    return {
      url: stack.url,
      async stop() {
        await stack.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  })();
  const { url } = await shared;
  const Tenants = await import('#functions/tenants/store.ts');
  const tenantId = `bench-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const { apiKey } = await Tenants.createTenant({ id: tenantId, name: 'bench' }, { name: 'bench', createdBy: 'bench' });
  return {
    url,
    tenantId,
    apiKey: apiKey.secret,
    /** The stack outlives each benchmark; `stopBenchStack` ends it. */
    async stop() {},
  };
}

export async function stopBenchStack() {
  if (shared) await (await shared).stop();
}

/**
 * Asks DynamoDB to report the capacity every command consumes, and adds it up: the cost figure
 * that one item per point is measured against.
 */
export function meterCapacity(doc: DynamoDBDocumentClient) {
  const meter = { writeUnits: 0, readUnits: 0 };
  doc.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const output = result.output as { ConsumedCapacity?: unknown };
      const entries = Array.isArray(output.ConsumedCapacity) ? output.ConsumedCapacity : [output.ConsumedCapacity];
      for (const entry of entries as ({ WriteCapacityUnits?: number; ReadCapacityUnits?: number; CapacityUnits?: number } | undefined)[]) {
        if (!entry) continue;
        meter.writeUnits += entry.WriteCapacityUnits ?? 0;
        meter.readUnits += entry.ReadCapacityUnits ?? 0;
        if (entry.WriteCapacityUnits === undefined && entry.ReadCapacityUnits === undefined) {
          meter[isWrite(args.input) ? 'writeUnits' : 'readUnits'] += entry.CapacityUnits ?? 0;
        }
      }
      return result;
    },
    { step: 'initialize', name: 'cairnCapacityMeter' },
  );
  return meter;
}

function isWrite(input: object): boolean {
  return 'Item' in input || 'RequestItems' in input || 'UpdateExpression' in input || 'TransactItems' in input;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits });
