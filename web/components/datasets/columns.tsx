import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import type { Column } from '@/components/ui/data-table';
import type { Dataset, DatasetVersion } from '@/lib/api/types';
import { formatBytes, formatCount, formatDateTime, formatRelative } from '@/lib/format';

export function datasetColumns(): Column<Dataset>[] {
  return [
    {
      id: 'name',
      header: 'Name',
      width: 260,
      sticky: true,
      sortable: true,
      sortValue: (dataset) => dataset.name.toLowerCase(),
      cell: (dataset) => (
        <span className="cell-name">
          <Link href={`/dataset/?name=${encodeURIComponent(dataset.name)}`}>{dataset.name}</Link>
        </span>
      ),
    },
    {
      id: 'latestVersion',
      header: 'Versions',
      width: 90,
      align: 'right',
      sortable: true,
      sortValue: (dataset) => dataset.latestVersion,
      cell: (dataset) => formatCount(dataset.latestVersion),
    },
    {
      id: 'latestDigest',
      header: 'Latest digest',
      width: 140,
      cell: (dataset) => <span className="mono faint">{dataset.latestDigest?.slice(0, 12) ?? ''}</span>,
      title: (dataset) => dataset.latestDigest ?? undefined,
    },
    {
      id: 'updatedAt',
      header: 'Updated',
      width: 120,
      sortable: true,
      firstSort: 'desc',
      sortValue: (dataset) => dataset.updatedAt,
      cell: (dataset) => <span className="muted">{formatRelative(dataset.updatedAt)}</span>,
      title: (dataset) => formatDateTime(dataset.updatedAt),
    },
    {
      id: 'createdBy',
      header: 'Created by',
      width: 130,
      cell: (dataset) => <span className="muted">{dataset.createdBy}</span>,
    },
    {
      id: 'description',
      header: 'Description',
      width: 200,
      grow: true,
      cell: (dataset) => <span className="muted">{dataset.description}</span>,
      title: (dataset) => dataset.description || undefined,
    },
  ];
}

export function datasetVersionColumns(): Column<DatasetVersion>[] {
  return [
    {
      id: 'version',
      header: 'Version',
      width: 90,
      sticky: true,
      sortable: true,
      firstSort: 'desc',
      sortValue: (version) => version.version,
      cell: (version) => (
        <span className="cell-name">
          <Link
            href={`/dataset-version/?name=${encodeURIComponent(version.dataset)}&version=${version.version}`}
          >
            v{version.version}
          </Link>
        </span>
      ),
    },
    {
      id: 'tags',
      header: 'Tags',
      width: 160,
      cell: (version) => (
        <span className="toolbar" style={{ gap: 4, flexWrap: 'nowrap' }}>
          {version.tags.map((tag) => (
            <Badge key={tag} tone="accent">
              {tag}
            </Badge>
          ))}
        </span>
      ),
    },
    {
      id: 'fileCount',
      header: 'Files',
      width: 90,
      align: 'right',
      sortable: true,
      sortValue: (version) => version.fileCount,
      cell: (version) => formatCount(version.fileCount),
    },
    {
      id: 'totalSize',
      header: 'Size',
      width: 100,
      align: 'right',
      sortable: true,
      sortValue: (version) => version.totalSize,
      cell: (version) => formatBytes(version.totalSize),
    },
    {
      id: 'createdAt',
      header: 'Pushed',
      width: 120,
      sortable: true,
      firstSort: 'desc',
      sortValue: (version) => version.createdAt,
      cell: (version) => <span className="muted">{formatRelative(version.createdAt)}</span>,
      title: (version) => formatDateTime(version.createdAt),
    },
    {
      id: 'createdBy',
      header: 'Author',
      width: 120,
      cell: (version) => <span className="muted">{version.createdBy}</span>,
    },
    {
      id: 'digest',
      header: 'Digest',
      width: 120,
      cell: (version) => <span className="mono faint">{version.digest.slice(0, 12)}</span>,
      title: (version) => version.digest,
    },
    {
      id: 'message',
      header: 'Message',
      width: 200,
      grow: true,
      cell: (version) => version.message,
      title: (version) => version.message || undefined,
    },
  ];
}
