import type { Role } from '@/lib/api/types';

/** Icons the shell knows how to draw, by name: navigation stays plain data. */
export type NavIcon = 'experiments' | 'models' | 'datasets' | 'audit' | 'keys' | 'webhooks';

export interface NavItem {
  title: string;
  href: string;
  icon: NavIcon;
  /** Hidden from keys with a lesser role (the API refuses them anyway). */
  minRole?: Role;
  /** Other paths that belong to this item, so that it stays highlighted on its detail pages. */
  matches?: string[];
}

export interface NavSection {
  title: string;
  items: NavItem[];
}

export const navigation: NavSection[] = [
  {
    title: 'Tracking',
    items: [
      {
        title: 'Experiments',
        href: '/experiments/',
        icon: 'experiments',
        matches: ['/experiment/', '/runs/', '/run/', '/compare/'],
      },
    ],
  },
  {
    title: 'Registry',
    items: [
      { title: 'Models', href: '/models/', icon: 'models', matches: ['/model/', '/model-version/'] },
      {
        title: 'Datasets',
        href: '/datasets/',
        icon: 'datasets',
        matches: ['/dataset/', '/dataset-version/'],
      },
    ],
  },
  {
    title: 'Workspace',
    items: [
      { title: 'Audit log', href: '/audit/', icon: 'audit' },
      { title: 'API keys', href: '/settings/keys/', icon: 'keys', minRole: 'admin' },
      { title: 'Webhooks', href: '/settings/webhooks/', icon: 'webhooks', minRole: 'admin' },
    ],
  },
];
