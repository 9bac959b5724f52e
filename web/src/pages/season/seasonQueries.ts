// The season page's reads. Every key starts with SEASON_DETAIL_KEY and the season's id, so the
// live feed refreshes them all at once.
import { keepPreviousData, queryOptions } from '@tanstack/react-query';

import { api, unwrap } from '../../api/client';

export const SEASON_DETAIL_KEY = 'season-detail';
export const CHAT_PAGE = 20;
export const LIST_PAGE = 50;
/** The most fills one chart asks for (pages of the API's largest limit). */
export const MAX_MARKED_FILLS = 10_000;

/** Which slice of a season's list: one entry or all, one symbol or all, one page. */
export interface ListFilter {
  entry: string | null;
  symbol: string | null;
  limit: number;
  offset: number;
}

function query(filter: ListFilter) {
  return {
    limit: filter.limit,
    offset: filter.offset,
    ...(filter.entry ? { entry: filter.entry } : {}),
    ...(filter.symbol ? { symbol: filter.symbol } : {}),
  };
}

export function seasonQuery(seasonId: number) {
  return queryOptions({
    queryKey: [SEASON_DETAIL_KEY, seasonId, 'season'],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}', { params: { path: { season_id: seasonId } }, signal })),
  });
}

export function entriesQuery(seasonId: number) {
  return queryOptions({
    queryKey: [SEASON_DETAIL_KEY, seasonId, 'entries'],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}/entries', { params: { path: { season_id: seasonId }, query: { limit: 1000 } }, signal })),
  });
}

export function decisionsQuery(seasonId: number, filter: ListFilter) {
  return queryOptions({
    queryKey: [SEASON_DETAIL_KEY, seasonId, 'decisions', filter],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}/decisions', { params: { path: { season_id: seasonId }, query: query(filter) }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function positionsQuery(seasonId: number, filter: ListFilter) {
  return queryOptions({
    queryKey: [SEASON_DETAIL_KEY, seasonId, 'positions', filter],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}/positions', { params: { path: { season_id: seasonId }, query: query(filter) }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function tradesQuery(seasonId: number, filter: ListFilter) {
  return queryOptions({
    queryKey: [SEASON_DETAIL_KEY, seasonId, 'trades', filter],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}/trades', { params: { path: { season_id: seasonId }, query: query(filter) }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function ordersQuery(seasonId: number, filter: ListFilter) {
  return queryOptions({
    queryKey: [SEASON_DETAIL_KEY, seasonId, 'orders', filter],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}/orders', { params: { path: { season_id: seasonId }, query: query(filter) }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function fundingQuery(seasonId: number, filter: ListFilter) {
  return queryOptions({
    queryKey: [SEASON_DETAIL_KEY, seasonId, 'funding', filter],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}/funding', { params: { path: { season_id: seasonId }, query: query(filter) }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function riskEventsQuery(seasonId: number, filter: ListFilter) {
  return queryOptions({
    queryKey: [SEASON_DETAIL_KEY, seasonId, 'risk-events', filter],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}/risk-events', { params: { path: { season_id: seasonId }, query: query(filter) }, signal })),
    placeholderData: keepPreviousData,
  });
}

/** Every fill of one entry in one symbol, oldest first, for the chart's markers. */
export function entryFillsQuery(seasonId: number, entry: string, symbol: string) {
  return queryOptions({
    queryKey: [SEASON_DETAIL_KEY, seasonId, 'fills-marked', entry, symbol],
    queryFn: async ({ signal }) => {
      const limit = 1000;
      const fills: Array<{ ts: number; side: string; quantity: number }> = [];
      let total = 0;
      do {
        const page = unwrap(await api.GET('/api/v1/seasons/{season_id}/fills', {
          params: { path: { season_id: seasonId }, query: { entry, symbol, limit, offset: fills.length, oldest_first: true } },
          signal,
        }));
        total = page.total;
        fills.push(...page.items);
        if (page.items.length === 0) break;
      } while (fills.length < total && fills.length < MAX_MARKED_FILLS);
      return { fills, total };
    },
  });
}

/** The season's bars of one symbol over its window, at its timeframe. */
export function candlesQuery(exchange: string, symbol: string, timeframe: string, start: string, end: string) {
  return queryOptions({
    queryKey: ['market', 'candles', exchange, symbol, timeframe, start, end],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/market/candles', {
        params: { query: { exchange, symbol, timeframe, start, end, limit: 5000 } },
        signal,
      })),
    staleTime: 5 * 60_000,
  });
}
