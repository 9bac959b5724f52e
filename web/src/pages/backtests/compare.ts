// Two or three runs side by side: each metric's values, and each run's difference from the
// first run, with whether that difference is better or worse.
import { money, num } from '../../lib/format';
import { diagnosticKeys, HEADLINE, LOWER_IS_BETTER, metricSpec, type MetricSpec, type MetricValue } from './metrics';

export interface CompareRow {
  spec: MetricSpec;
  values: MetricValue[];
  /** value − the first run's value; null for the first run and where either is missing. */
  deltas: (number | null)[];
}

/** Metrics that are neither better nor worse when larger (how long, how often, how much). */
const NEUTRAL = new Set(['exposure', 'trade_count', 'bars', 'periods_per_year', 'ts_start', 'ts_end', 'start_equity', 'funding_paid']);

/** 1 when more is better, −1 when less is, 0 when neither. */
export function direction(key: string): -1 | 0 | 1 {
  if (NEUTRAL.has(key)) return 0;
  return LOWER_IS_BETTER.has(key) ? -1 : 1;
}

export function compareRows(metrics: Record<string, MetricValue[]>): CompareRow[] {
  const keys = [...HEADLINE.map((spec) => spec.key).filter((key) => key in metrics), ...diagnosticKeys(metrics)];
  return keys.map((key) => {
    const values = metrics[key] ?? [];
    const first = values[0];
    const deltas = values.map((value, index) =>
      index === 0 || !isNumber(value) || !isNumber(first) ? null : value - first,
    );
    return { spec: metricSpec(key), values, deltas };
  });
}

function isNumber(value: MetricValue): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A difference as the reader sees it: percentage points for fractions, signed always. */
export function formatDelta(spec: MetricSpec, delta: number | null): string {
  if (delta === null) return '';
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  const size = Math.abs(delta);
  switch (spec.kind) {
    case 'return':
    case 'drawdown':
    case 'fraction':
      return `${sign}${num(size * 100, 2)} pp`;
    case 'count':
      return `${sign}${num(size, 0)}`;
    case 'cost':
    case 'pnl':
    case 'money':
      return `${sign}${money(size)}`;
    case 'duration':
      return `${sign}${num(size / 3_600_000, 0)} h`;
    default:
      return `${sign}${num(size, 2)}`;
  }
}

/** gain when the difference is an improvement, loss when it is worse, '' otherwise. */
export function deltaTone(key: string, delta: number | null): 'gain' | 'loss' | '' {
  if (delta === null || delta === 0) return '';
  const better = direction(key) * delta;
  return better > 0 ? 'gain' : better < 0 ? 'loss' : '';
}
