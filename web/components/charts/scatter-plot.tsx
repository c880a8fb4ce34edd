'use client';
import { useMemo, useRef, useState } from 'react';
import { formatMetric } from '@/lib/format';
import { useElementWidth } from '@/lib/use-element-size';
import { axisFor, type Value } from './plot-scale';

export interface ScatterPoint {
  id: string;
  label: string;
  color: string;
  x: Value;
  y: Value;
}

/** Any two columns against each other, one dot per run, labelled on hover. */
export function ScatterPlot({
  points,
  xLabel,
  yLabel,
}: {
  points: ScatterPoint[];
  xLabel: string;
  yLabel: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const width = Math.max(320, useElementWidth(ref));
  const height = 380;
  const margin = { top: 16, right: 24, bottom: 44, left: 84 };
  const [hovered, setHovered] = useState<string>();
  const xAxis = useMemo(
    () =>
      axisFor(
        points.map((point) => point.x),
        formatMetric,
      ),
    [points],
  );
  const yAxis = useMemo(
    () =>
      axisFor(
        points.map((point) => point.y),
        formatMetric,
      ),
    [points],
  );
  const inner = { width: width - margin.left - margin.right, height: height - margin.top - margin.bottom };
  // Keep dots off the frame: positions map into 5%–95% of each axis.
  const px = (position: number) => margin.left + (0.05 + position * 0.9) * inner.width;
  const py = (position: number) => margin.top + (0.95 - position * 0.9) * inner.height;
  const placed = points
    .map((point) => ({ point, x: xAxis.position(point.x), y: yAxis.position(point.y) }))
    .filter(
      (entry): entry is { point: ScatterPoint; x: number; y: number } =>
        entry.x !== undefined && entry.y !== undefined,
    );
  const focus = placed.find((entry) => entry.point.id === hovered);

  return (
    <div ref={ref}>
      <svg
        className="plot-svg"
        width={width}
        height={height}
        role="img"
        aria-label={`${yLabel} against ${xLabel}`}
      >
        {yAxis.ticks.map((tick) => (
          <g key={`y-${tick.label}-${tick.position}`}>
            <line
              className="grid-line"
              x1={margin.left}
              x2={width - margin.right}
              y1={py(tick.position)}
              y2={py(tick.position)}
            />
            <text x={margin.left - 8} y={py(tick.position)} dy="0.32em" textAnchor="end">
              {tick.label.slice(0, 10)}
            </text>
          </g>
        ))}
        {xAxis.ticks.map((tick) => (
          <g key={`x-${tick.label}-${tick.position}`}>
            <line
              className="grid-line"
              y1={margin.top}
              y2={height - margin.bottom}
              x1={px(tick.position)}
              x2={px(tick.position)}
            />
            <text x={px(tick.position)} y={height - margin.bottom + 16} textAnchor="middle">
              {tick.label.slice(0, 12)}
            </text>
          </g>
        ))}
        <text
          x={margin.left + inner.width / 2}
          y={height - 6}
          textAnchor="middle"
          style={{ fill: 'var(--text)' }}
        >
          {xLabel}
        </text>
        <text
          transform={`translate(12,${margin.top + inner.height / 2}) rotate(-90)`}
          textAnchor="middle"
          style={{ fill: 'var(--text)' }}
        >
          {yLabel}
        </text>
        {placed.map(({ point, x, y }) => (
          // biome-ignore lint/a11y/noStaticElementInteractions: hover only highlights; the table holds the same values
          <circle
            key={point.id}
            cx={px(x)}
            cy={py(y)}
            r={hovered === point.id ? 7 : 5.5}
            fill={point.color}
            fillOpacity={0.85}
            stroke="var(--bg)"
            strokeWidth={1.5}
            onMouseEnter={() => setHovered(point.id)}
            onMouseLeave={() => setHovered(undefined)}
          >
            <title>{`${point.label}\n${xLabel}: ${String(point.x ?? '')}\n${yLabel}: ${String(point.y ?? '')}`}</title>
          </circle>
        ))}
        {focus ? (
          <text x={px(focus.x) + 10} y={py(focus.y) - 10} style={{ fill: 'var(--text)', fontWeight: 600 }}>
            {focus.point.label}
          </text>
        ) : null}
      </svg>
      {placed.length < points.length ? (
        <div className="faint" style={{ padding: '0 8px 8px' }}>
          {points.length - placed.length} run(s) lack one of the two values and are not drawn.
        </div>
      ) : null}
    </div>
  );
}
