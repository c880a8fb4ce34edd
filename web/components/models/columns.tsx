import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import type { Column } from '@/components/ui/data-table';
import type { Model, ModelVersion } from '@/lib/api/types';
import { formatBytes, formatCount, formatDateTime, formatRelative, shortId } from '@/lib/format';
import { StageBadge } from './stage-badge';

export function modelColumns(): Column<Model>[] {
  return [
    {
      id: 'name',
      header: 'Name',
      width: 260,
      sticky: true,
      sortable: true,
      sortValue: (model) => model.name.toLowerCase(),
      cell: (model) => (
        <span className="cell-name">
          <Link href={`/model/?name=${encodeURIComponent(model.name)}`}>{model.name}</Link>
        </span>
      ),
    },
    {
      id: 'latestVersion',
      header: 'Versions',
      width: 90,
      align: 'right',
      sortable: true,
      sortValue: (model) => model.latestVersion,
      cell: (model) => formatCount(model.latestVersion),
    },
    {
      id: 'aliases',
      header: 'Aliases',
      width: 260,
      cell: (model) => (
        <span className="toolbar" style={{ gap: 4, flexWrap: 'nowrap' }}>
          {Object.entries(model.aliases)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([alias, version]) => (
              <Badge key={alias} tone="accent">
                @{alias} · v{version}
              </Badge>
            ))}
        </span>
      ),
    },
    {
      id: 'updatedAt',
      header: 'Updated',
      width: 120,
      sortable: true,
      firstSort: 'desc',
      sortValue: (model) => model.updatedAt,
      cell: (model) => <span className="muted">{formatRelative(model.updatedAt)}</span>,
      title: (model) => formatDateTime(model.updatedAt),
    },
    {
      id: 'createdBy',
      header: 'Created by',
      width: 130,
      cell: (model) => <span className="muted">{model.createdBy}</span>,
    },
    {
      id: 'description',
      header: 'Description',
      width: 200,
      grow: true,
      cell: (model) => <span className="muted">{model.description}</span>,
      title: (model) => model.description || undefined,
    },
  ];
}

export function versionColumns(): Column<ModelVersion>[] {
  return [
    {
      id: 'version',
      header: 'Version',
      width: 96,
      sticky: true,
      sortable: true,
      firstSort: 'desc',
      sortValue: (version) => version.version,
      cell: (version) => (
        <span className="cell-name">
          <Link href={`/model-version/?name=${encodeURIComponent(version.name)}&version=${version.version}`}>
            v{version.version}
          </Link>
        </span>
      ),
    },
    {
      id: 'aliases',
      header: 'Aliases & stage',
      width: 240,
      cell: (version) => (
        <span
          className="toolbar"
          style={{ gap: 4, flexWrap: 'nowrap' }}
          data-testid={`aliases-v${version.version}`}
        >
          {version.aliases.map((alias) => (
            <Badge key={alias} tone="accent">
              @{alias}
            </Badge>
          ))}
          <StageBadge stage={version.stage} />
        </span>
      ),
    },
    {
      id: 'run',
      header: 'Run',
      width: 110,
      cell: (version) => (
        <Link className="link mono" href={`/run/?id=${version.runId}`}>
          {shortId(version.runId)}
        </Link>
      ),
    },
    {
      id: 'files',
      header: 'Files',
      width: 120,
      align: 'right',
      sortable: true,
      sortValue: (version) => version.totalSize,
      cell: (version) => (
        <span className="muted">
          {formatCount(version.fileCount)} · {formatBytes(version.totalSize)}
        </span>
      ),
    },
    {
      id: 'createdAt',
      header: 'Registered',
      width: 120,
      sortable: true,
      firstSort: 'desc',
      sortValue: (version) => version.createdAt,
      cell: (version) => <span className="muted">{formatRelative(version.createdAt)}</span>,
      title: (version) => formatDateTime(version.createdAt),
    },
    {
      id: 'createdBy',
      header: 'By',
      width: 120,
      cell: (version) => <span className="muted">{version.createdBy}</span>,
    },
    {
      id: 'description',
      header: 'Description',
      width: 160,
      grow: true,
      cell: (version) => <span className="muted">{version.description}</span>,
      title: (version) => version.description || undefined,
    },
  ];
}
