// The market page's reads, each keyed by what it asked for.
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '../../api/client';

/** Every stored series (what the pickers offer); shared with the data page's coverage. */
export function useStoredSeries() {
  return useQuery({
    queryKey: ['data', 'coverage'],
    queryFn: async () => unwrap(await api.GET('/api/v1/data/coverage', { params: { query: { limit: 1000 } } })),
  });
}

export function useCandles(symbol: string | null, timeframe: string | null, bars: number) {
  return useQuery({
    queryKey: ['market', 'candles', symbol, timeframe, bars],
    enabled: symbol !== null && timeframe !== null,
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/market/candles', {
          params: { query: { symbol: symbol ?? '', timeframe: timeframe ?? '1h', limit: bars } },
        }),
      ),
  });
}

/** Funding settlements from `startMs` on (the candles' first bar, so both charts align). */
export function useFunding(symbol: string | null, startMs: number | null) {
  return useQuery({
    queryKey: ['market', 'funding', symbol, startMs],
    enabled: symbol !== null && startMs !== null,
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/market/funding', {
          params: {
            query: { symbol: symbol ?? '', start: new Date(startMs ?? 0).toISOString(), limit: 5000 },
          },
        }),
      ),
  });
}

/** The latest prices of `symbols`, as of `atMs` (now when null). */
export function pricesQuery(symbols: string[], atMs: number | null = null) {
  return queryOptions({
    queryKey: ['market', 'prices', symbols, atMs],
    enabled: symbols.length > 0,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/market/prices', {
          params: {
            query: {
              symbols: symbols.join(','),
              ...(atMs === null ? {} : { at: new Date(atMs).toISOString() }),
            },
          },
        }),
      ),
  });
}

export function usePrices(symbols: string[]) {
  return useQuery(pricesQuery(symbols));
}
