/** Shared by the SVG plots: a linear or categorical axis, with "nice" ticks. */

export type Value = number | string | undefined;

export interface Axis {
  /** Position in [0, 1] of a value, or undefined when it has none. */
  position: (value: Value) => number | undefined;
  ticks: { position: number; label: string }[];
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** Numbers when every value is one; categories (sorted) otherwise. */
export function axisFor(values: readonly Value[], format: (value: number) => string, tickCount = 5): Axis {
  const present = values.filter((value) => value !== undefined && value !== '');
  const numeric = present.every(
    (value) =>
      typeof value === 'number' ||
      (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))),
  );
  if (numeric && present.length > 0) {
    const numbers = present.map(Number).filter(Number.isFinite);
    let min = Math.min(...numbers);
    let max = Math.max(...numbers);
    if (min === max) {
      min -= Math.abs(min) * 0.1 || 1;
      max += Math.abs(max) * 0.1 || 1;
    }
    const step = niceStep(max - min, tickCount);
    const ticks: Axis['ticks'] = [];
    for (let tick = Math.ceil(min / step) * step; tick <= max + step * 1e-9; tick += step) {
      ticks.push({ position: (tick - min) / (max - min), label: format(Number(tick.toPrecision(12))) });
    }
    return {
      position: (value) => {
        const number = Number(value);
        return value === undefined || value === '' || !Number.isFinite(number)
          ? undefined
          : (number - min) / (max - min);
      },
      ticks,
    };
  }
  const categories = [...new Set(present.map(String))].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  const at = (index: number) => (categories.length === 1 ? 0.5 : index / (categories.length - 1));
  return {
    position: (value) => {
      const index = value === undefined ? -1 : categories.indexOf(String(value));
      return index < 0 ? undefined : at(index);
    },
    ticks: categories.map((category, index) => ({ position: at(index), label: category })),
  };
}
