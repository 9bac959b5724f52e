// How the series page reads its figures: a rank distribution as small bars, Kendall's W in
// words, a return's spread, a series' window statuses in one line.

export interface RankBar {
  place: number;
  /** Windows at this place (tied entries share places: may be a half). */
  count: number;
  /** The bar's height as a share of the tallest possible (every window at one place). */
  height: number;
}

export function rankBars(counts: readonly number[], windows: number): RankBar[] {
  return counts.map((count, i) => ({ place: i + 1, count, height: windows > 0 ? Math.min(1, count / windows) : 0 }));
}

/** "1st", "2nd", "3rd", "4th"... */
export function ordinal(place: number): string {
  const tens = place % 100;
  if (tens >= 11 && tens <= 13) return `${place}th`;
  return `${place}${['th', 'st', 'nd', 'rd'][place % 10] ?? 'th'}`;
}

/** A count of windows, halves included (ties share places). */
export function windowsText(count: number): string {
  const text = Number.isInteger(count) ? String(count) : count.toFixed(1);
  return `${text} window${count === 1 ? '' : 's'}`;
}

/** Kendall's W in one plain sentence. */
export function agreement(w: number | null, windows: number): string {
  if (w === null) return 'Needs two finished windows to say whether the ranking holds from one window to the next.';
  const strength = w >= 0.7 ? 'strongly' : w >= 0.4 ? 'moderately' : w >= 0.15 ? 'weakly' : 'hardly';
  return `The ${windows} windows ${strength} agree on the order (1: every window ranks the entries alike; 0: one window's ranking says nothing of another's).`;
}

/** "3 finished · 1 running", in a stable order. */
export function statusLine(statuses: Record<string, number>): string {
  const order = ['finished', 'running', 'paused', 'draft', 'canceled'];
  const keys = Object.keys(statuses).sort((a, b) => {
    const x = order.indexOf(a);
    const y = order.indexOf(b);
    return (x < 0 ? order.length : x) - (y < 0 ? order.length : y) || a.localeCompare(b);
  });
  return keys.map((key) => `${statuses[key] ?? 0} ${key}`).join(' · ') || 'no windows';
}
