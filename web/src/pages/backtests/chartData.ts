// What the run's charts draw: the candles' timeframe for the window, and the trades as
// entry and exit markers on those candles.
import type { Marker } from '../../components/charts/CandleChart';
import { TIMEFRAME_MS, TIMEFRAMES, timeframeMs } from '../../lib/timeframes';
/** The most candles one request returns. */
export const MAX_CANDLES = 5000;

/** A bar's length; an hour's for a timeframe the API does not know. */
export function barMs(timeframe: string): number {
  return timeframeMs(timeframe) ?? 3_600_000;
}

/** The run's own timeframe, or the shortest longer one whose bars over the window fit one request. */
export function displayTimeframe(timeframe: string, spanMs: number): string {
  const from = Math.max(0, TIMEFRAMES.indexOf(timeframe as (typeof TIMEFRAMES)[number]));
  for (const candidate of TIMEFRAMES.slice(from)) {
    if (spanMs / TIMEFRAME_MS[candidate] <= MAX_CANDLES) return candidate;
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
