'use client';
import { useMemo, useRef, useState } from 'react';
import { formatMetric } from '@/lib/format';
import { useElementWidth } from '@/lib/use-element-size';
import { axisFor, type Value } from './plot-scale';

export interface Dimension {
  id: string;
  label: string;
  values: readonly Value[];
}

export interface Line {
  id: string;
  label: string;
  color: string;
}

const truncate = (text: string, length: number) =>
  text.length > length ? `${text.slice(0, length - 1)}…` : text;

/**
 * One vertical axis per param or metric, one line per run: which settings lead where. Hovering
 * a line (or its legend entry) brings it forward.
 */
export function ParallelCoordinates({ dimensions, lines }: { dimensions: Dimension[]; lines: Line[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const width = Math.max(320, useElementWidth(ref));
  const [hovered, setHovered] = useState<string>();
  const height = 360;
  const margin = { top: 44, bottom: 24, left: 64, right: 64 };
  const axes = useMemo(
    () => dimensions.map((dimension) => axisFor(dimension.values, formatMetric)),
    [dimensions],
  );
  const span = width - margin.left - margin.right;
  const xOf = (index: number) =>
    margin.left + (dimensions.length === 1 ? span / 2 : (index / (dimensions.length - 1)) * span);
  const yOf = (position: number) => margin.top + (1 - position) * (height - margin.top - margin.bottom);

  return (
    <div ref={ref}>
      <svg
        className="plot-svg"
        width={width}
        height={height}
        role="img"
        aria-label="Parallel coordinates of the compared runs"
      >
        {dimensions.map((dimension, index) => (
          <g key={dimension.id} transform={`translate(${xOf(index)},0)`}>
            <line className="axis-line" x1={0} x2={0} y1={margin.top} y2={height - margin.bottom} />
            <text
              x={0}
              y={margin.top - 14}
              textAnchor="middle"
              style={{ fill: 'var(--text)', fontWeight: 500 }}
            >
              <title>{dimension.label}</title>
              {truncate(dimension.label, 18)}
            </text>
            {axes[index]?.ticks.map((tick) => (
              <g key={`${tick.label}-${tick.position}`} transform={`translate(0,${yOf(tick.position)})`}>
                <line className="axis-line" x1={-3} x2={0} />
                <text x={-6} dy="0.32em" textAnchor="end">
                  {truncate(tick.label, 10)}
                </text>
              </g>
            ))}
          </g>
        ))}
        {lines.map((line, lineIndex) => {
          const points: string[] = [];
          dimensions.forEach((dimension, index) => {
            const position = axes[index]?.position(dimension.values[lineIndex]);
            if (position !== undefined) points.push(`${xOf(index)},${yOf(position)}`);
          });
          const dim = hovered !== undefined && hovered !== line.id;
          return (
            // biome-ignore lint/a11y/noStaticElementInteractions: hover only highlights; the table holds the same values
            <polyline
              key={line.id}
              points={points.join(' ')}
              fill="none"
              stroke={line.color}
              strokeWidth={hovered === line.id ? 3 : 1.75}
              strokeOpacity={dim ? 0.15 : 0.9}
              strokeLinejoin="round"
              onMouseEnter={() => setHovered(line.id)}
              onMouseLeave={() => setHovered(undefined)}
            >
              <title>{line.label}</title>
            </polyline>
          );
        })}
      </svg>
      <div className="legend" style={{ padding: '4px 8px' }}>
        {lines.map((line) => (
          // biome-ignore lint/a11y/noStaticElementInteractions: hover only highlights; the table holds the same values
          <span
            key={line.id}
            className="legend-item"
            onMouseEnter={() => setHovered(line.id)}
            onMouseLeave={() => setHovered(undefined)}
          >
            <span className="swatch" style={{ background: line.color }} />
            <span>{line.label}</span>
          </span>
        ))}
      </div>
    </div>
  );
}
