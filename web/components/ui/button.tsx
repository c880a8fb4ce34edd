import Link from 'next/link';
import type { AnchorHTMLAttributes, ButtonHTMLAttributes, ReactNode } from 'react';

type Variant = 'default' | 'primary' | 'ghost' | 'danger' | 'danger-solid';
type Size = 'md' | 'sm';

function classes(variant: Variant, size: Size, iconOnly: boolean, extra?: string): string {
  const names = ['btn'];
  if (variant === 'primary') names.push('btn-primary');
  if (variant === 'ghost') names.push('btn-ghost');
  if (variant === 'danger') names.push('btn-danger');
  if (variant === 'danger-solid') names.push('btn-danger', 'btn-solid');
  if (size === 'sm') names.push('btn-sm');
  if (iconOnly) names.push('btn-icon');
  if (extra) names.push(extra);
  return names.join(' ');
}

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  size?: Size;
  icon?: ReactNode;
  /** A button showing only its icon; `aria-label` names it. */
  iconOnly?: boolean;
  busy?: boolean;
}

export function Button({
  variant = 'default',
  size = 'md',
  icon,
  iconOnly = false,
  busy = false,
  className,
  children,
  type = 'button',
  disabled,
  ...rest
}: ButtonProps) {
  return (
    <button
      type={type}
      className={classes(variant, size, iconOnly, className)}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy ? <span className="spinner" /> : icon}
      {iconOnly ? null : children}
    </button>
  );
}

export interface ButtonLinkProps extends AnchorHTMLAttributes<HTMLAnchorElement> {
  href: string;
  variant?: Variant;
  size?: Size;
  icon?: ReactNode;
}

export function ButtonLink({
  href,
  variant = 'default',
  size = 'md',
  icon,
  className,
  children,
  ...rest
}: ButtonLinkProps) {
  return (
    <Link href={href} className={classes(variant, size, false, className)} {...rest}>
      {icon}
      {children}
    </Link>
  );
}
