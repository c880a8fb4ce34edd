'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ComponentType, ReactNode, SVGProps } from 'react';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import {
  BoxIcon,
  DatabaseIcon,
  FlaskIcon,
  KeyIcon,
  ListIcon,
  LogOutIcon,
  WebhookIcon,
} from '@/components/ui/icons';
import { type NavIcon, navigation } from '@/config/nav';
import { roleAllows } from '@/lib/roles';
import { useSession } from './session';
import { ThemeToggle } from './theme-toggle';

const icons: Record<NavIcon, ComponentType<SVGProps<SVGSVGElement> & { size?: number }>> = {
  experiments: FlaskIcon,
  models: BoxIcon,
  datasets: DatabaseIcon,
  audit: ListIcon,
  keys: KeyIcon,
  webhooks: WebhookIcon,
};

const roleTone = { reader: 'neutral', writer: 'info', admin: 'accent' } as const;

export function AppShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const { session, signOut } = useSession();
  return (
    <div className="shell">
      <aside className="sidebar" aria-label="Main">
        <div className="sidebar-brand">
          <span className="brand-mark" aria-hidden="true">
            C
          </span>
          <div className="sidebar-tenant">
            {session ? (
              <>
                <strong data-testid="tenant-name">{session.tenant.name}</strong>
                <span>{session.tenant.id}</span>
              </>
            ) : (
              <>
                <span className="skeleton" style={{ width: 110, marginBottom: 6 }} />
                <span className="skeleton" style={{ width: 70, height: 10 }} />
              </>
            )}
          </div>
        </div>
        <nav aria-label="Sections">
          {navigation.map((section) => {
            const items = section.items.filter(
              (item) => !item.minRole || (session !== undefined && roleAllows(session.role, item.minRole)),
            );
            if (items.length === 0) return null;
            return (
              <div key={section.title}>
                <div className="nav-section">{section.title}</div>
                {items.map((item) => {
                  const Icon = icons[item.icon];
                  const current = [item.href, ...(item.matches ?? [])].some((path) =>
                    pathname.startsWith(path),
                  );
                  return (
                    <Link
                      key={item.href}
                      href={item.href}
                      // Pages are tiny static shells; prefetching every section would only compete
                      // with the page's own API calls on first load.
                      prefetch={false}
                      className="nav-link"
                      aria-current={current ? 'page' : undefined}
                    >
                      <Icon size={15} />
                      {item.title}
                    </Link>
                  );
                })}
              </div>
            );
          })}
        </nav>
        <div className="sidebar-footer">
          {session ? (
            <div className="whoami" title={`Signed in with the key "${session.principal}"`}>
              <span className="whoami-name">{session.principal}</span>
              <Badge tone={roleTone[session.role]}>
                <span data-testid="role">{session.role}</span>
              </Badge>
            </div>
          ) : (
            <div className="whoami">
              <span className="skeleton" style={{ width: 120 }} />
            </div>
          )}
          <div className="sidebar-actions">
            <ThemeToggle />
            <Button size="sm" variant="ghost" icon={<LogOutIcon size={14} />} onClick={signOut}>
              Sign out
            </Button>
          </div>
        </div>
      </aside>
      <main className="main" id="main">
        {children}
      </main>
    </div>
  );
}
