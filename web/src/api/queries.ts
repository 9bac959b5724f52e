// Reads that several pages make, each under one query key, so the pages share one cache entry
// (two definitions under one key would fight over its options).
import { queryOptions } from '@tanstack/react-query';

import { api, unwrap } from './client';

/** The strategy library: it ships with the server, so it never goes stale. */
export const strategiesQuery = queryOptions({
  queryKey: ['strategies'],
  queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/strategies', { params: { query: { limit: 1000 } }, signal })),
  staleTime: Infinity,
});

/** Every stored instrument (the coin pickers). */
export const instrumentsQuery = queryOptions({
  queryKey: ['market', 'instruments'],
  queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/market/instruments', { params: { query: { limit: 1000 } }, signal })),
  staleTime: 5 * 60_000,
});

export interface CandleWindow {
  exchange: string;
  symbol: string;
  timeframe: string;
  /** ISO times, as the API takes them; `end` exclusive. */
  start: string;
  end: string;
}

/** One symbol's bars over a past window (a season's, a backtest's): at most 5,000 of them. */
export function windowCandlesQuery({ exchange, symbol, timeframe, start, end }: CandleWindow) {
  return queryOptions({
    queryKey: ['market', 'candles', 'window', exchange, symbol, timeframe, start, end],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/market/candles', { params: { query: { exchange, symbol, timeframe, start, end, limit: 5000 } }, signal })),
    staleTime: 5 * 60_000,
  });
}
