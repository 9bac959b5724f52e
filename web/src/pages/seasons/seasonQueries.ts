// The seasons page's reads, with their query keys (writes invalidate the 'seasons' prefix).
import { queryOptions } from '@tanstack/react-query';

import { api, unwrap } from '../../api/client';

export const SEASONS_KEY = ['seasons'] as const;

export const seasonsQuery = queryOptions({
  queryKey: [...SEASONS_KEY, 'list'],
  queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/seasons', { params: { query: { limit: 1000 } }, signal })),
});

export function coverageQuery(exchange: string, timeframe: string) {
  return queryOptions({
    queryKey: ['data', 'coverage', exchange, timeframe],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/data/coverage', { params: { query: { exchange, timeframes: timeframe, limit: 1000 } }, signal })),
    staleTime: 5 * 60_000,
  });
}

/** The exchange accounts a live season's agents may trade on (never their keys). */
export const accountListQuery = queryOptions({
  queryKey: ['accounts', 'list'],
  queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/accounts', { params: { query: { limit: 1000 } }, signal })),
});
