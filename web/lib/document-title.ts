'use client';
import { useEffect } from 'react';

/** The tab's title names what the page shows, so that a row of open tabs stays readable. */
export function useDocumentTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Cairn` : 'Cairn';
  }, [title]);
}
