import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../../infra/local/stack.ts';

/** A throwaway local stack (DynamoDB Local in memory) for one benchmark process. */
export async function benchStack() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
  const stack = await startLocalStack({ dataDir, port: 0, persist: false });
  const Tenants = await import('#functions/tenants/store.ts');
  const tenantId = `bench-${Date.now().toString(36)}`;
  const { apiKey } = await Tenants.createTenant({ id: tenantId, name: 'bench' }, { name: 'bench', createdBy: 'bench' });
  return {
    url: stack.url,
    tenantId,
    apiKey: apiKey.secret,
    async stop() {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
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
