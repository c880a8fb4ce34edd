import Link from 'next/link';
import type { Column } from '@/components/ui/data-table';
import type { Experiment } from '@/lib/api/types';
import { formatCount, formatDateTime, formatRelative } from '@/lib/format';

export function experimentColumns(): Column<Experiment>[] {
  return [
    {
      id: 'name',
      header: 'Name',
      width: 300,
      sortable: true,
      sticky: true,
      sortValue: (experiment) => experiment.name.toLowerCase(),
      cell: (experiment) => (
        <span className="cell-name">
          <Link href={`/experiment/?id=${experiment.id}`}>{experiment.name}</Link>
        </span>
      ),
      title: (experiment) => experiment.name,
    },
    {
      id: 'runCount',
      header: 'Runs',
      width: 90,
      align: 'right',
      sortable: true,
      sortValue: (experiment) => experiment.runCount,
      cell: (experiment) => formatCount(experiment.runCount),
    },
    {
      id: 'lastRunAt',
      header: 'Last activity',
      width: 140,
      sortable: true,
      firstSort: 'desc',
      sortValue: (experiment) => experiment.lastRunAt ?? experiment.updatedAt,
      cell: (experiment) => (
        <span className="muted">{formatRelative(experiment.lastRunAt ?? experiment.updatedAt)}</span>
      ),
      title: (experiment) => formatDateTime(experiment.lastRunAt ?? experiment.updatedAt),
    },
    {
      id: 'createdAt',
      header: 'Created',
      width: 170,
      sortable: true,
      firstSort: 'desc',
      sortValue: (experiment) => experiment.createdAt,
      cell: (experiment) => <span className="muted num">{formatDateTime(experiment.createdAt)}</span>,
    },
    {
      id: 'id',
      header: 'ID',
      width: 80,
      sortable: true,
      sortValue: (experiment) => Number(experiment.id),
      cell: (experiment) => <span className="mono muted">{experiment.id}</span>,
    },
    {
      id: 'description',
      header: 'Description',
      width: 200,
      grow: true,
      cell: (experiment) => <span className="muted">{experiment.description}</span>,
      title: (experiment) => experiment.description || undefined,
    },
  ];
}
