// How stored series read in the coverage table: completeness, span, issue counts and totals.

export interface CoverageLike {
  symbol: string;
  rows: number;
  expected_rows: number;
  missing_rows: number;
  gaps: number;
  ts_first: number;
  ts_last: number;
}

/** rows / expected rows as a fraction (null when nothing is expected). */
export function completeness(rows: number, expected: number): number | null {
  if (!Number.isFinite(expected) || expected <= 0) return null;
  return Math.min(1, rows / expected);
}

/**
 * A completeness as a percentage with two decimals, never rounded up to 100% while rows are
 * missing (99.996% reads "99.99%", not "100.00%").
 */
export function completenessLabel(fraction: number | null): string {
  if (fraction === null) return '—';
  if (fraction >= 1) return '100%';
  return `${(Math.floor(fraction * 10_000) / 100).toFixed(2)}%`;
}

const DAY_MS = 86_400_000;

/** The span from the first to the last row: "23 d", "6.4 y", "5 h". */
export function spanLabel(firstMs: number, lastMs: number): string {
  const span = Math.max(0, lastMs - firstMs);
  if (span < DAY_MS) return `${Math.round(span / 3_600_000)} h`;
  if (span < 365 * DAY_MS) return `${Math.round(span / DAY_MS)} d`;
  return `${(span / (365 * DAY_MS)).toFixed(1)} y`;
}

/** Issues by kind as one line, most first: "gap 27 · duplicate 1"; "" when none. */
export function issueLine(issues: Record<string, number>): string {
  return Object.entries(issues)
    .filter(([, count]) => count > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([kind, count]) => `${kind.replaceAll('_', ' ')} ${count.toLocaleString('en-US')}`)
    .join(' · ');
}

export interface CoverageTotals {
  series: number;
  symbols: number;
  rows: number;
  missing: number;
  gaps: number;
  withGaps: number;
}

export function coverageTotals(items: CoverageLike[]): CoverageTotals {
  return {
    series: items.length,
    symbols: new Set(items.map((item) => item.symbol)).size,
    rows: items.reduce((sum, item) => sum + item.rows, 0),
    missing: items.reduce((sum, item) => sum + item.missing_rows, 0),
    gaps: items.reduce((sum, item) => sum + item.gaps, 0),
    withGaps: items.filter((item) => item.gaps > 0).length,
  };
}
