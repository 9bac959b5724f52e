// The "who beats whom" heat map's logic: the matrix put in the leaderboard's order, each cell's
// text, tooltip and shade on a diverging blue–orange scale around 50% (colour-blind safe; the
// printed percentage carries the meaning), and how often a live season's map is refetched.

/** Blue when the row's entry is ahead, orange when behind (Paul Tol's bright blue and vibrant
 *  orange, told apart by every common colour-vision deficiency). */
export const AHEAD_RGB = [68, 119, 170] as const;
export const BEHIND_RGB = [238, 119, 51] as const;
/** The strongest cell's opacity over the panel: keeps the printed value readable. */
const MAX_ALPHA = 0.8;

/** A live season's map is asked for again at most this often while ticks arrive. */
export const COMPARE_EVERY_MS = 10_000;

export interface Comparison {
  entries: string[];
  p_beats: number[][];
}

export interface OrderedMatrix {
  entries: string[];
  /** p[i][j]: the chance that entries[i] beats entries[j]. */
  p: number[][];
}

/**
 * The matrix with its rows and columns in `order` (the leaderboard's rows as shown); entries the
 * order does not name (a board older than the comparison) follow in the comparison's order, and
 * names the comparison lacks are left out.
 */
export function orderedMatrix(comparison: Comparison, order: readonly string[]): OrderedMatrix {
  const index = new Map(comparison.entries.map((name, i) => [name, i]));
  const named = order.filter((name, i) => index.has(name) && order.indexOf(name) === i);
  const rest = comparison.entries.filter((name) => !named.includes(name));
  const entries = [...named, ...rest];
  const at = entries.map((name) => index.get(name) ?? 0);
  return { entries, p: at.map((i) => at.map((j) => comparison.p_beats[i]?.[j] ?? 0.5)) };
}

/** A probability as a whole percentage; never "0%" or "100%", which a bootstrap cannot show. */
export function percent(p: number): string {
  if (p < 0.005) return '<1%';
  if (p > 0.995) return '>99%';
  return `${Math.round(p * 100)}%`;
}

export function beatsTitle(row: string, column: string, p: number): string {
  return `${row} beats ${column} in ${percent(p)} of resamples`;
}

export interface Shade {
  /** ahead: the row's entry beats the column's more often than not. */
  side: 'ahead' | 'behind' | 'even';
  /** 0 at 50%, 1 at 0% or 100%. */
  strength: number;
  background: string;
}

/** The cell's colour: its hue says which side of 50% it is, its depth how far. */
export function shade(p: number): Shade {
  const clamped = Math.min(1, Math.max(0, p));
  const strength = Math.abs(clamped - 0.5) * 2;
  if (strength < 0.005) return { side: 'even', strength: 0, background: 'transparent' };
  const side = clamped > 0.5 ? 'ahead' : 'behind';
  const [r, g, b] = side === 'ahead' ? AHEAD_RGB : BEHIND_RGB;
  return { side, strength, background: `rgb(${r} ${g} ${b} / ${(strength * MAX_ALPHA).toFixed(3)})` };
}

/**
 * How long to wait before showing a new tick count (and so refetching the map): at once when
 * the season no longer runs or the last refetch is old enough, else the rest of the interval.
 */
export function refetchDelay(lastAt: number, now: number, everyMs: number, immediate: boolean): number {
  if (immediate) return 0;
  return Math.max(0, lastAt + everyMs - now);
}
