// The heat map of a sweep: two swept parameters as the axes, each cell the ranking metric of
// that pair. When more parameters were swept, a cell shows the best combination with that
// pair (the results come ranked, so the first one met is the best).

export interface SweepResult {
  rank: number;
  params: Record<string, string>;
  metrics: Record<string, number | null | undefined>;
}

export interface HeatCell {
  x: string;
  y: string;
  value: number | null;
  rank: number | null; // the rank of the combination shown
}

export interface Heatmap {
  xs: string[];
  ys: string[];
  rows: HeatCell[][]; // rows[y][x]
  min: number | null;
  max: number | null;
}

/** Values sorted as numbers when they all are, else as given. */
function ordered(values: string[]): string[] {
  const unique = [...new Set(values)];
  return unique.every((value) => value !== '' && Number.isFinite(Number(value)))
    ? unique.sort((a, b) => Number(a) - Number(b))
    : unique;
}

/**
 * The matrix for parameters `x` and `y` (y may be null: one row) coloured by `metric`.
 * `axes`: each swept parameter's values in the order tried (the API's `grid`), so a pair
 * with no valid combination still has its (empty) cell.
 */
export function buildHeatmap(
  results: readonly SweepResult[],
  axes: Record<string, string[]>,
  x: string,
  y: string | null,
  metric: string,
): Heatmap {
  const xs = ordered(axes[x] ?? results.map((r) => r.params[x] ?? ''));
  const ys = y === null ? [''] : ordered(axes[y] ?? results.map((r) => r.params[y] ?? ''));
  const best = new Map<string, SweepResult>();
  for (const result of [...results].sort((a, b) => a.rank - b.rank)) {
    const key = `${result.params[x]}\u0000${y === null ? '' : result.params[y]}`;
    if (!best.has(key)) best.set(key, result);
  }
  let min: number | null = null;
  let max: number | null = null;
  const rows = ys.map((yValue) =>
    xs.map((xValue) => {
      const found = best.get(`${xValue}\u0000${yValue}`);
      const raw = found?.metrics[metric];
      const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
      if (value !== null) {
        min = min === null ? value : Math.min(min, value);
        max = max === null ? value : Math.max(max, value);
      }
      return { x: xValue, y: yValue, value, rank: found?.rank ?? null };
    }),
  );
  return { xs, ys, rows, min, max };
}

/**
 * Where a value sits between the worst and the best of the map, from 0 (worst) to 1 (best);
 * null without a value. `lowerIsBetter` flips the scale (drawdown, volatility, fees).
 */
export function heatLevel(value: number | null, min: number | null, max: number | null, lowerIsBetter: boolean): number | null {
  if (value === null || min === null || max === null) return null;
  if (max === min) return 1;
  const level = (value - min) / (max - min);
  return lowerIsBetter ? 1 - level : level;
}
