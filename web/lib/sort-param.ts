import type { SortState } from '@/components/ui/data-table';

/** A sort in the URL reads `metrics.acc:desc`; the column id may itself hold dots and colons. */
export function parseSort(text: string | undefined): SortState | undefined {
  if (!text) return undefined;
  const at = text.lastIndexOf(':');
  if (at <= 0) return { id: text, desc: false };
  const direction = text.slice(at + 1);
  if (direction !== 'asc' && direction !== 'desc') return { id: text, desc: false };
  return { id: text.slice(0, at), desc: direction === 'desc' };
}

export function formatSort(sort: SortState | undefined): string | undefined {
  return sort ? `${sort.id}:${sort.desc ? 'desc' : 'asc'}` : undefined;
}
