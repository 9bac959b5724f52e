// What the run's charts draw: the candles' timeframe for the window, and the trades as
// entry and exit markers on those candles.
import type { Marker } from '../../components/charts/CandleChart';
import { TIMEFRAMES } from './backtestForm';

const TIMEFRAME_MS: Record<string, number> = {
  '1m': 60_000, '5m': 300_000, '15m': 900_000, '30m': 1_800_000, '1h': 3_600_000, '2h': 7_200_000,
  '4h': 14_400_000, '8h': 28_800_000, '12h': 43_200_000, '1d': 86_400_000,
};
/** The most candles one request returns. */
export const MAX_CANDLES = 5000;

export function timeframeMs(timeframe: string): number {
  return TIMEFRAME_MS[timeframe] ?? 3_600_000;
}

/** The run's own timeframe, or the shortest longer one whose bars over the window fit one request. */
export function displayTimeframe(timeframe: string, spanMs: number): string {
  const from = Math.max(0, TIMEFRAMES.indexOf(timeframe as (typeof TIMEFRAMES)[number]));
  for (const candidate of TIMEFRAMES.slice(from)) {
    if (spanMs / timeframeMs(candidate) <= MAX_CANDLES) return candidate;
  }
  return '1d';
}

export interface TradeLike {
  symbol: string;
  side: string; // long or short
  ts_entry: number;
  ts_exit: number;
  pnl: number;
}

/** Above this many trades the markers carry no text: the arrows alone stay readable. */
export const LABELLED_TRADES = 40;

/**
 * Each trade of `symbol` as two markers on bars of `barMs`: its entry (L or S) and its exit
 * (+ or − by its net PnL).
 */
export function tradeMarkers(trades: readonly TradeLike[], symbol: string, barMs: number): Marker[] {
  const bar = (ts: number) => ts - (ts % barMs);
  const mine = trades.filter((trade) => trade.symbol === symbol);
  const labelled = mine.length <= LABELLED_TRADES;
  const markers: Marker[] = [];
  for (const trade of mine) {
    const long = trade.side === 'long';
    markers.push({ ts: bar(trade.ts_entry), side: long ? 'buy' : 'sell', text: labelled ? (long ? 'L' : 'S') : '' });
    markers.push({ ts: bar(trade.ts_exit), side: long ? 'sell' : 'buy', text: labelled ? (trade.pnl >= 0 ? '+' : '−') : '' });
  }
  return markers;
}
