'use client';
import { Segmented } from '@/components/ui/tabs';
import type { ChartSettings, XAxis } from './chart-settings';

export function ChartControls({
  settings,
  onChange,
}: {
  settings: ChartSettings;
  onChange: (settings: ChartSettings) => void;
}) {
  return (
    <div className="chart-controls">
      <span className="control">
        X axis
        <Segmented<XAxis>
          label="X axis"
          items={[
            { id: 'step', label: 'Step' },
            { id: 'relative', label: 'Relative time' },
            { id: 'time', label: 'Wall time' },
          ]}
          value={settings.xAxis}
          onChange={(xAxis) => onChange({ ...settings, xAxis })}
        />
      </span>
      <label className="control checkbox">
        <input
          type="checkbox"
          checked={settings.logScale}
          onChange={(event) => onChange({ ...settings, logScale: event.target.checked })}
        />
        Log scale
      </label>
      <label className="control">
        Smoothing
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={settings.smoothing}
          aria-label="Smoothing"
          onChange={(event) => onChange({ ...settings, smoothing: Number(event.target.value) })}
        />
        <output>{settings.smoothing.toFixed(2)}</output>
      </label>
    </div>
  );
}
