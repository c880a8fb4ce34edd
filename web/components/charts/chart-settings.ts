/** How every metric chart of a view is drawn; the settings live in the URL. */
export type XAxis = 'step' | 'time' | 'relative';

export interface ChartSettings {
  xAxis: XAxis;
  logScale: boolean;
  /** 0 (raw) to 0.99 (heavily smoothed). */
  smoothing: number;
}

export function chartSettingsFrom(get: (name: string) => string | undefined): ChartSettings {
  const x = get('x');
  const smoothing = Number(get('smooth') ?? 0);
  return {
    xAxis: x === 'time' || x === 'relative' ? x : 'step',
    logScale: get('log') === '1',
    smoothing: Number.isFinite(smoothing) ? Math.min(0.99, Math.max(0, smoothing)) : 0,
  };
}

export function chartSettingsParams(settings: ChartSettings): Record<string, string | undefined> {
  return {
    x: settings.xAxis === 'step' ? undefined : settings.xAxis,
    log: settings.logScale ? '1' : undefined,
    smooth: settings.smoothing > 0 ? String(settings.smoothing) : undefined,
  };
}
