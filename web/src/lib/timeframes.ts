// The API's bar lengths (core/time.py SUPPORTED_TIMEFRAMES), shortest first, and how long each is.

export const TIMEFRAME_MS = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
} as const;

export type Timeframe = keyof typeof TIMEFRAME_MS;

export const TIMEFRAMES = Object.keys(TIMEFRAME_MS) as readonly Timeframe[];

/** "15m" → 900000; null for a timeframe the API does not know. */
export function timeframeMs(timeframe: string): number | null {
  return Object.hasOwn(TIMEFRAME_MS, timeframe) ? TIMEFRAME_MS[timeframe as Timeframe] : null;
}
