// Which symbols and bar lengths the market page offers: the stored instruments, each with the
// timeframes stored for it plus the longer ones the API resamples from its shortest.

/** The API's bar lengths, shortest first (core/time.py SUPPORTED_TIMEFRAMES). */
export const TIMEFRAMES: Array<[string, number]> = [
  ['1m', 60_000], ['5m', 300_000], ['15m', 900_000], ['30m', 1_800_000], ['1h', 3_600_000],
  ['2h', 7_200_000], ['4h', 14_400_000], ['8h', 28_800_000], ['12h', 43_200_000], ['1d', 86_400_000],
];
const LENGTH = new Map(TIMEFRAMES);

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
  const lengths = [...stored].map((tf) => LENGTH.get(tf)).filter((ms): ms is number => ms !== undefined);
  if (lengths.length === 0) return [];
  const shortest = Math.min(...lengths);
  return TIMEFRAMES.filter(([tf, ms]) => stored.has(tf) || (ms > shortest && ms % shortest === 0)).map(([tf]) => ({
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

/** "BTC/USDT:USDT" → "BTC". */
export function coinOf(symbol: string): string {
  return symbol.split('/')[0] ?? symbol;
}

/** The decimals a price tick allows: 0.1 → 1, 0.00001 → 5, 1 → 0; 2 when unknown. */
export function decimalsOfTick(tick: number | undefined): number {
  if (tick === undefined || !(tick > 0)) return 2;
  return Math.min(8, Math.max(0, Math.ceil(-Math.log10(tick) - 1e-9)));
}
