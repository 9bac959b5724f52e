// How each backtest metric reads: its label, format, and whether more of it is good. The
// twelve headline metrics are the cards; every other one goes to the diagnostics table.
import { money, num, pct } from '../../lib/format';

export type MetricKind = 'return' | 'drawdown' | 'ratio' | 'fraction' | 'factor' | 'count' | 'cost' | 'money' | 'pnl' | 'time' | 'duration' | 'number';
export type MetricValue = number | null | undefined;

export interface MetricSpec {
  key: string;
  label: string;
  kind: MetricKind;
  hint?: string;
}

export const HEADLINE: readonly MetricSpec[] = [
  { key: 'total_return', label: 'Return', kind: 'return' },
  { key: 'cagr', label: 'CAGR', kind: 'return', hint: 'Compound annual growth rate' },
  { key: 'max_drawdown', label: 'Max drawdown', kind: 'drawdown', hint: 'Largest fall from a peak' },
  { key: 'sharpe', label: 'Sharpe', kind: 'ratio', hint: 'Annualized, risk-free rate 0' },
  { key: 'sortino', label: 'Sortino', kind: 'ratio', hint: 'Annualized, downside deviation' },
  { key: 'calmar', label: 'Calmar', kind: 'ratio', hint: 'CAGR / max drawdown' },
  { key: 'volatility', label: 'Volatility', kind: 'fraction', hint: 'Annualized' },
  { key: 'win_rate', label: 'Win rate', kind: 'fraction' },
  { key: 'profit_factor', label: 'Profit factor', kind: 'factor', hint: 'Gross profit / gross loss' },
  { key: 'trade_count', label: 'Trades', kind: 'count' },
  { key: 'exposure', label: 'Exposure', kind: 'fraction', hint: 'Share of time with a position open' },
  { key: 'fees_paid', label: 'Fees', kind: 'cost' },
];

const OTHERS: Record<string, Omit<MetricSpec, 'key'>> = {
  buy_and_hold_return: { label: 'Buy & hold return', kind: 'return' },
  max_drawdown_bars: { label: 'Max drawdown duration (bars)', kind: 'count' },
  max_drawdown_ms: { label: 'Max drawdown duration', kind: 'duration' },
  average_win: { label: 'Average win', kind: 'pnl' },
  average_loss: { label: 'Average loss', kind: 'pnl' },
  expectancy: { label: 'Expectancy per trade', kind: 'pnl' },
  best_trade: { label: 'Best trade', kind: 'pnl' },
  worst_trade: { label: 'Worst trade', kind: 'pnl' },
  funding_paid: { label: 'Funding paid', kind: 'cost', hint: 'Negative: received' },
  start_equity: { label: 'Starting equity', kind: 'money' },
  end_equity: { label: 'Final equity', kind: 'money' },
  bars: { label: 'Points in the curve', kind: 'count' },
  periods_per_year: { label: 'Bars a year', kind: 'number' },
  ts_start: { label: 'First point', kind: 'time' },
  ts_end: { label: 'Last point', kind: 'time' },
  deflated_sharpe: {
    label: 'DSR',
    kind: 'number',
    hint: "Deflated Sharpe ratio: the chance the Sharpe ratio is real, given how many combinations were tried (a sweep's figure)",
  },
};

/** Metrics where less is better (the sweep ranks them lowest first, too). */
export const LOWER_IS_BETTER = new Set(['max_drawdown', 'max_drawdown_bars', 'max_drawdown_ms', 'volatility', 'fees_paid']);

export function metricSpec(key: string): MetricSpec {
  const headline = HEADLINE.find((spec) => spec.key === key);
  if (headline) return headline;
  const other = OTHERS[key];
  return other ? { key, ...other } : { key, label: key.replaceAll('_', ' '), kind: 'number' };
}

/** The metrics that are not headline cards, in a stable order (known ones first). */
export function diagnosticKeys(metrics: Record<string, unknown>): string[] {
  const headline = new Set(HEADLINE.map((spec) => spec.key));
  const known = Object.keys(OTHERS).filter((key) => key in metrics);
  const unknown = Object.keys(metrics).filter((key) => !headline.has(key) && !(key in OTHERS)).sort();
  return [...known, ...unknown];
}

function duration(ms: number): string {
  const hours = ms / 3_600_000;
  return hours >= 48 ? `${num(hours / 24, 1)} d` : `${num(hours, 0)} h`;
}

/** The value as the reader sees it: signed where it is a gain or a loss. */
export function formatMetric(kind: MetricKind, value: MetricValue): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  switch (kind) {
    case 'return':
      return pct(value, 2);
    case 'drawdown':
      return pct(-Math.abs(value), 2); // a fall: always shown as a loss
    case 'fraction':
      return `${num(value * 100, 1)}%`;
    case 'ratio':
      return value > 0 ? `+${num(value, 2)}` : num(value, 2);
    case 'factor':
    case 'number':
      return num(value, 2);
    case 'count':
      return num(value, 0);
    case 'cost':
      return value > 0 ? `−${money(value)}` : value < 0 ? `+${money(-value)}` : money(0);
    case 'pnl':
      return value > 0 ? `+${money(value)}` : money(value);
    case 'money':
      return money(value);
    case 'duration':
      return duration(value);
    case 'time':
      return new Date(value).toISOString().slice(0, 16).replace('T', ' ');
  }
}

/** gain, loss or '' for a value of this kind (never the only signal: the text is signed). */
export function metricTone(kind: MetricKind, value: MetricValue): 'gain' | 'loss' | '' {
  if (value === null || value === undefined || !Number.isFinite(value) || value === 0) return '';
  switch (kind) {
    case 'return':
    case 'ratio':
    case 'pnl':
      return value > 0 ? 'gain' : 'loss';
    case 'drawdown':
    case 'cost':
      return value > 0 ? 'loss' : 'gain';
    case 'factor':
      return value > 1 ? 'gain' : value < 1 ? 'loss' : '';
    default:
      return '';
  }
}
