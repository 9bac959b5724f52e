// Which symbols and bar lengths the market page offers: the stored instruments, each with the
// timeframes stored for it plus the longer ones the API resamples from its shortest.
import { TIMEFRAME_MS, TIMEFRAMES, timeframeMs } from '../../lib/timeframes';

export interface TimeframeOption {
  value: string;
  stored: boolean; // false: resampled from a shorter stored timeframe
}

interface SeriesLike {
  symbol: string;
  dataset: string;
  timeframe: string;
}

/** The timeframes to offer for `symbol`: stored ones, and every longer one (resampled). */
export function timeframeOptions(series: SeriesLike[], symbol: string): TimeframeOption[] {
  const stored = new Set(
    series.filter((item) => item.symbol === symbol && item.dataset === 'candles').map((item) => item.timeframe),
  );
  const lengths = [...stored].map(timeframeMs).filter((ms): ms is number => ms !== null);
  if (lengths.length === 0) return [];
  const shortest = Math.min(...lengths);
  return TIMEFRAMES.filter((tf) => stored.has(tf) || (TIMEFRAME_MS[tf] > shortest && TIMEFRAME_MS[tf] % shortest === 0)).map((tf) => ({
    value: tf,
    stored: stored.has(tf),
  }));
}

/** The symbol to show: the one asked for if stored, else BTC's perpetual, else the first. */
export function pickSymbol(symbols: string[], wanted: string | null): string | null {
  if (wanted && symbols.includes(wanted)) return wanted;
  if (symbols.includes('BTC/USDT:USDT')) return 'BTC/USDT:USDT';
  return symbols[0] ?? null;
}

/** The timeframe to show: the one asked for if offered, else 1h, else the first stored. */
export function pickTimeframe(options: TimeframeOption[], wanted: string | null): string | null {
  if (wanted && options.some((option) => option.value === wanted)) return wanted;
  if (options.some((option) => option.value === '1h')) return '1h';
  return options.find((option) => option.stored)?.value ?? options[0]?.value ?? null;
}

/** The decimals a price tick allows: 0.1 → 1, 0.00001 → 5, 1 → 0; 2 when unknown. */
export function decimalsOfTick(tick: number | undefined): number {
  if (tick === undefined || !(tick > 0)) return 2;
  return Math.min(8, Math.max(0, Math.ceil(-Math.log10(tick) - 1e-9)));
}
