import Link from 'next/link';
import { Fragment, type ReactNode } from 'react';
import { ChevronRightIcon } from './icons';

export interface Crumb {
  label: string;
  href?: string;
}

export function PageHeader({
  title,
  crumbs,
  subtitle,
  actions,
}: {
  title: ReactNode;
  crumbs?: Crumb[];
  subtitle?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div className="page-title">
        {crumbs?.length ? (
          <nav className="breadcrumbs" aria-label="Breadcrumb">
            {crumbs.map((crumb, index) => (
              <Fragment key={crumb.href ?? crumb.label}>
                {index > 0 ? <ChevronRightIcon size={12} /> : null}
                {crumb.href ? (
                  <Link href={crumb.href} prefetch={false}>
                    {crumb.label}
                  </Link>
                ) : (
                  <span>{crumb.label}</span>
                )}
              </Fragment>
            ))}
          </nav>
        ) : null}
        <h1>{title}</h1>
        {subtitle ? <div className="page-subtitle">{subtitle}</div> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}
