'use client';
import { useEffect, useState } from 'react';
import { MonitorIcon, MoonIcon, SunIcon } from '@/components/ui/icons';
import { applyTheme, type ThemeChoice, themeChoice } from '@/lib/theme';

const choices: { id: ThemeChoice; label: string; Icon: typeof SunIcon }[] = [
  { id: 'system', label: 'Follow the system theme', Icon: MonitorIcon },
  { id: 'light', label: 'Light theme', Icon: SunIcon },
  { id: 'dark', label: 'Dark theme', Icon: MoonIcon },
];

export function ThemeToggle() {
  const [choice, setChoice] = useState<ThemeChoice>('system');
  useEffect(() => setChoice(themeChoice()), []);
  return (
    // biome-ignore lint/a11y/useSemanticElements: a toolbar of toggle buttons, not a form fieldset
    <div className="segmented" role="group" aria-label="Theme">
      {choices.map(({ id, label, Icon }) => (
        <button
          key={id}
          type="button"
          aria-pressed={choice === id}
          aria-label={label}
          title={label}
          onClick={() => {
            applyTheme(id);
            setChoice(id);
          }}
        >
          <Icon size={13} />
        </button>
      ))}
    </div>
  );
}
