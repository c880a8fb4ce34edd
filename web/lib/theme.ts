'use client';
import { useEffect, useState } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const storageKey = 'cairn.theme';

/**
 * Runs before the first paint (inlined in the document head), so a dark-mode user never sees a
 * white flash. Kept as a string: it must not depend on the bundle.
 */
export const themeBootScript = `(function(){try{var c=localStorage.getItem('${storageKey}')||'system';var d=c==='dark'||(c==='system'&&matchMedia('(prefers-color-scheme: dark)').matches);document.documentElement.dataset.theme=d?'dark':'light';}catch(e){}})();`;

export function themeChoice(): ThemeChoice {
  const stored = typeof window === 'undefined' ? null : window.localStorage.getItem(storageKey);
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

function resolve(choice: ThemeChoice): Theme {
  if (choice !== 'system') return choice;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(choice: ThemeChoice): void {
  if (choice === 'system') window.localStorage.removeItem(storageKey);
  else window.localStorage.setItem(storageKey, choice);
  document.documentElement.dataset.theme = resolve(choice);
}

/** The theme in force; follows the system setting while the choice is "system". */
export function useTheme(): Theme {
  const [theme, setTheme] = useState<Theme>('light');
  useEffect(() => {
    const read = () => setTheme(document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light');
    read();
    const observer = new MutationObserver(read);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const follow = () => {
      if (themeChoice() === 'system') applyTheme('system');
    };
    media.addEventListener('change', follow);
    return () => {
      observer.disconnect();
      media.removeEventListener('change', follow);
    };
  }, []);
  return theme;
}
