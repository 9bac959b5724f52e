// The backtest workbench's reads, each keyed by what it asked for.
import { keepPreviousData, queryOptions } from '@tanstack/react-query';

import { api, unwrap } from '../../api/client';

export const BACKTESTS_KEY = ['backtests'] as const;

export const sweepLimitsQuery = queryOptions({
  queryKey: ['backtests', 'sweep-limits'],
  queryFn: async () => unwrap(await api.GET('/api/v1/backtests/sweeps')),
  staleTime: Infinity,
});

export function runListQuery(limit: number, offset: number) {
  return queryOptions({
    queryKey: [...BACKTESTS_KEY, 'list', limit, offset],
    placeholderData: keepPreviousData,
    queryFn: async () => unwrap(await api.GET('/api/v1/backtests', { params: { query: { limit, offset } } })),
  });
}

export function runQuery(id: number) {
  return queryOptions({
    queryKey: [...BACKTESTS_KEY, 'run', id],
    queryFn: async () => unwrap(await api.GET('/api/v1/backtests/{id}', { params: { path: { id } } })),
  });
}

/** The equity curve thinned to about `points` points (the chart's width needs no more). */
export function equityQuery(id: number, points = 2000) {
  return queryOptions({
    queryKey: [...BACKTESTS_KEY, 'equity', id, points],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/backtests/{id}/equity', { params: { path: { id }, query: { points } } })),
  });
}

export function tradesQuery(id: number, limit: number, offset: number) {
  return queryOptions({
    queryKey: [...BACKTESTS_KEY, 'trades', id, limit, offset],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/backtests/{id}/trades', { params: { path: { id }, query: { limit, offset } } })),
  });
}

export function compareQuery(ids: number[]) {
  return queryOptions({
    queryKey: [...BACKTESTS_KEY, 'compare', ids],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/backtests/compare', { params: { query: { ids: ids.join(',') } } })),
  });
}
