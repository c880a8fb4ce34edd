import { Badge } from '@/components/ui/badge';
import type { Column } from '@/components/ui/data-table';
import type { ApiKey } from '@/lib/api/types';
import { formatDateTime, formatRelative } from '@/lib/format';

const roleTone = { reader: 'neutral', writer: 'info', admin: 'accent', operator: 'warning' } as const;

export function keyColumns(currentKeyId: string): Column<ApiKey>[] {
  return [
    {
      id: 'name',
      header: 'Name',
      width: 220,
      sortable: true,
      sortValue: (key) => key.name.toLowerCase(),
      cell: (key) => (
        <span className="cell-name">
          <span>{key.name}</span>
          {key.id === currentKeyId ? <Badge tone="accent">this session</Badge> : null}
        </span>
      ),
    },
    {
      id: 'prefix',
      header: 'Key',
      width: 150,
      cell: (key) => <span className="mono muted">{key.prefix}…</span>,
    },
    {
      id: 'role',
      header: 'Role',
      width: 90,
      sortable: true,
      sortValue: (key) => key.role,
      cell: (key) => (
        <Badge tone={roleTone[key.role as keyof typeof roleTone] ?? 'neutral'}>{key.role}</Badge>
      ),
    },
    {
      id: 'status',
      header: 'Status',
      width: 110,
      sortable: true,
      sortValue: (key) => (key.active ? 0 : 1),
      cell: (key) =>
        key.active ? (
          <span className="status status-FINISHED">
            <span className="dot" />
            <span className="status-label">Active</span>
          </span>
        ) : (
          <span className="status status-FAILED" title={`Revoked ${formatDateTime(key.revokedAt)}`}>
            <span className="dot" />
            <span className="status-label">Revoked</span>
          </span>
        ),
    },
    {
      id: 'lastUsedAt',
      header: 'Last used',
      width: 120,
      sortable: true,
      firstSort: 'desc',
      sortValue: (key) => key.lastUsedAt?.getTime(),
      cell: (key) => (
        <span className="muted">{key.lastUsedAt ? formatRelative(key.lastUsedAt) : 'never'}</span>
      ),
      title: (key) => (key.lastUsedAt ? formatDateTime(key.lastUsedAt) : undefined),
    },
    {
      id: 'createdAt',
      header: 'Created',
      width: 170,
      sortable: true,
      firstSort: 'desc',
      sortValue: (key) => key.createdAt.getTime(),
      cell: (key) => <span className="muted num">{formatDateTime(key.createdAt)}</span>,
    },
    {
      id: 'createdBy',
      header: 'Created by',
      width: 140,
      cell: (key) => <span className="muted">{key.createdBy}</span>,
    },
  ];
}
