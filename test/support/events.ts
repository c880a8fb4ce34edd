import { readFileSync } from 'node:fs';
import { inject } from 'vitest';

/**
 * The events the stack's functions published for one tenant, oldest first: what EventBridge
 * would have received. Each function runs in containers of its own, so they meet in a file.
 */
export function publishedEvents(
  tenantId: string,
  file = inject('cairn').eventsFile,
): { type: string; tenantId: string; resource: string }[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return text
    .split('\n')
    .filter((line) => line)
    .map((line) => JSON.parse(line))
    .filter((event) => event.tenantId === tenantId);
}
