'use client';
import { type ReactNode, useEffect, useRef } from 'react';

/** A panel anchored under its trigger; closes on Escape or a click elsewhere. */
export function Popover({
  open,
  onClose,
  trigger,
  children,
  align = 'left',
  width,
}: {
  open: boolean;
  onClose: () => void;
  trigger: ReactNode;
  children: ReactNode;
  align?: 'left' | 'right';
  width?: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!ref.current?.contains(event.target as Node)) onClose();
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        onClose();
        (ref.current?.querySelector('button') as HTMLButtonElement | null)?.focus();
      }
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open, onClose]);
  return (
    <div className="popover-anchor" ref={ref}>
      {trigger}
      {open ? (
        <div
          className={align === 'right' ? 'popover popover-right' : 'popover'}
          style={width ? { width } : undefined}
        >
          {children}
        </div>
      ) : null}
    </div>
  );
}
