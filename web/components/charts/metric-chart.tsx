'use client';
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import type { MetricPoint } from '@/lib/api/types';
import { formatDateTime, formatDuration, formatMetric } from '@/lib/format';
import { smooth } from '@/lib/smoothing';
import { useTheme } from '@/lib/theme';
import { useElementWidth } from '@/lib/use-element-size';
import type { ChartSettings } from './chart-settings';

export interface ChartSeries {
  id: string;
  label: string;
  color: string;
  points: readonly MetricPoint[];
}

interface Built {
  data: uPlot.AlignedData;
  series: uPlot.Series[];
  /** For each run, the index of the data column the tooltip reads (smoothed when smoothing). */
  primary: { column: number; label: string; color: string }[];
  points: number;
}

function withAlpha(hex: string, alpha: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}

/** One table per run (x ascending), joined on x: uPlot wants one shared x array. */
function build(input: readonly ChartSeries[], settings: ChartSettings): Built {
  const tables: uPlot.AlignedData[] = [];
  const series: uPlot.Series[] = [{}];
  const primary: Built['primary'] = [];
  let points = 0;
  let column = 1;
  for (const one of input) {
    if (one.points.length === 0) continue;
    const origin = one.points.reduce(
      (min, point) => Math.min(min, point.timestamp),
      Number.POSITIVE_INFINITY,
    );
    const pairs = one.points.map((point) => {
      const x =
        settings.xAxis === 'step'
          ? point.step
          : settings.xAxis === 'time'
            ? point.timestamp / 1000
            : (point.timestamp - origin) / 1000;
      const usable = Number.isFinite(point.value) && (!settings.logScale || point.value > 0);
      return [x, usable ? point.value : null] as const;
    });
    pairs.sort((a, b) => a[0] - b[0]);
    const xs = pairs.map((pair) => pair[0]);
    const ys = pairs.map((pair) => pair[1]);
    points += xs.length;
    if (settings.smoothing > 0) {
      tables.push([xs, ys, smooth(ys, settings.smoothing)]);
      series.push(
        {
          label: `${one.label} (raw)`,
          stroke: withAlpha(one.color, 0.22),
          width: 1,
          spanGaps: true,
          points: { show: false },
        },
        { label: one.label, stroke: one.color, width: 1.75, spanGaps: true, points: { show: false } },
      );
      primary.push({ column: column + 1, label: one.label, color: one.color });
      column += 2;
    } else {
      tables.push([xs, ys]);
      series.push({
        label: one.label,
        stroke: one.color,
        width: 1.5,
        spanGaps: true,
        points: { show: false },
      });
      primary.push({ column, label: one.label, color: one.color });
      column += 1;
    }
  }
  const data =
    tables.length === 1 ? tables[0]! : tables.length === 0 ? ([[]] as uPlot.AlignedData) : uPlot.join(tables);
  return { data, series, primary, points };
}

function compactNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (magnitude >= 1e3) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(4)));
}

function formatX(value: number, settings: ChartSettings): string {
  if (settings.xAxis === 'time') return formatDateTime(value * 1000);
  if (settings.xAxis === 'relative') return formatDuration(value * 1000) || '0s';
  return `step ${Math.round(value).toLocaleString('en-US')}`;
}

/**
 * A line chart of metric histories (one series per run) drawn with uPlot on a canvas: tens of
 * thousands of points redraw in a few milliseconds. Drag to zoom, double-click to reset.
 */
export function MetricChart({
  series,
  settings,
  height = 240,
  label,
}: {
  series: readonly ChartSeries[];
  settings: ChartSettings;
  height?: number;
  label: string;
}) {
  const boxRef = useRef<HTMLDivElement>(null);
  const tooltipRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const width = useElementWidth(boxRef);
  const widthRef = useRef(width);
  widthRef.current = width;
  const theme = useTheme();
  const built = useMemo(() => build(series, settings), [series, settings]);
  const hasWidth = width > 0;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `theme` re-reads the CSS colours
  useEffect(() => {
    const box = boxRef.current;
    if (!box || !hasWidth) return;
    box.dataset.chartState = built.points > 0 ? 'drawing' : 'empty';
    if (built.points === 0) return;
    const styles = getComputedStyle(document.documentElement);
    const axisColor = styles.getPropertyValue('--chart-axis').trim() || '#888';
    const gridColor = styles.getPropertyValue('--chart-grid').trim() || '#eee';
    const font = `11px ${styles.getPropertyValue('--font-sans').trim() || 'sans-serif'}`;
    const axis: uPlot.Axis = {
      stroke: axisColor,
      font,
      grid: { stroke: gridColor, width: 1 },
      ticks: { show: false },
      gap: 4,
    };
    const tooltip = tooltipRef.current;

    const showTooltip = (plot: uPlot) => {
      if (!tooltip) return;
      const index = plot.cursor.idx;
      if (index === null || index === undefined || plot.cursor.left === undefined || plot.cursor.left < 0) {
        tooltip.style.display = 'none';
        return;
      }
      const x = plot.data[0][index];
      if (x === undefined || x === null) return;
      tooltip.replaceChildren();
      const head = document.createElement('div');
      head.className = 'chart-tooltip-head';
      head.textContent = formatX(x, settings);
      tooltip.append(head);
      let rows = 0;
      for (const entry of built.primary) {
        const value = plot.data[entry.column]?.[index];
        if (value === null || value === undefined) continue;
        const row = document.createElement('div');
        row.className = 'chart-tooltip-row';
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = entry.color;
        const name = document.createElement('span');
        name.className = 'name';
        name.textContent = entry.label;
        const shown = document.createElement('span');
        shown.className = 'value';
        shown.textContent = formatMetric(value);
        row.append(swatch, name, shown);
        tooltip.append(row);
        if (++rows >= 12) break;
      }
      tooltip.style.display = rows ? 'block' : 'none';
      const left = (plot.cursor.left ?? 0) + plot.bbox.left / devicePixelRatio;
      const boxWidth = box.clientWidth;
      const tipWidth = tooltip.offsetWidth;
      tooltip.style.left = `${left + 14 + tipWidth > boxWidth ? left - tipWidth - 14 : left + 14}px`;
      tooltip.style.top = `${Math.max(0, (plot.cursor.top ?? 0) - 10)}px`;
    };

    const plot = new uPlot(
      {
        width: widthRef.current,
        height,
        series: built.series,
        legend: { show: false },
        padding: [10, 12, 0, 0],
        scales: {
          x: { time: settings.xAxis === 'time' },
          y: settings.logScale ? { distr: 3 } : {},
        },
        axes: [
          {
            ...axis,
            size: 28,
            values:
              settings.xAxis === 'time'
                ? undefined
                : settings.xAxis === 'relative'
                  ? (_plot, ticks) => ticks.map((tick) => formatDuration(tick * 1000) || '0s')
                  : (_plot, ticks) => ticks.map(compactNumber),
          },
          { ...axis, size: 52, values: (_plot, ticks) => ticks.map((tick) => formatMetric(tick)) },
        ],
        cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 6 } },
        hooks: {
          setCursor: [showTooltip],
          draw: [
            () => {
              box.dataset.chartState = 'drawn';
              box.dataset.points = String(built.points);
            },
          ],
        },
      },
      built.data,
      box,
    );
    plotRef.current = plot;
    const hide = () => {
      if (tooltip) tooltip.style.display = 'none';
    };
    box.addEventListener('mouseleave', hide);
    return () => {
      box.removeEventListener('mouseleave', hide);
      plot.destroy();
      plotRef.current = null;
    };
  }, [built, theme, hasWidth, height]);

  useEffect(() => {
    const plot = plotRef.current;
    // Creation already drew at this size; only a real resize needs another draw.
    if (plot && width > 0 && (plot.width !== width || plot.height !== height)) plot.setSize({ width, height });
  }, [width, height]);

  return (
    <div
      ref={boxRef}
      className="chart-box"
      style={{ height }}
      role="img"
      aria-label={label}
      data-chart-state="pending"
    >
      <div ref={tooltipRef} className="chart-tooltip" style={{ display: 'none' }} />
      {built.points === 0 ? <div className="chart-placeholder">No points to draw</div> : null}
    </div>
  );
}
