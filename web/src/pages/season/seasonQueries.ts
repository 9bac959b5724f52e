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

interface ListParams {
  path: { season_id: number };
  query: { limit: number; offset: number; entry?: string; symbol?: string };
}

/** One page of one of a season's lists, kept on screen while the next page loads. */
function seasonListQuery<T>(
  seasonId: number,
  list: string,
  filter: ListFilter,
  get: (params: ListParams, signal: AbortSignal) => Promise<T>,
) {
  const params: ListParams = {
    path: { season_id: seasonId },
    query: {
      limit: filter.limit,
      offset: filter.offset,
      ...(filter.entry ? { entry: filter.entry } : {}),
      ...(filter.symbol ? { symbol: filter.symbol } : {}),
    },
  };
  return queryOptions({
    queryKey: [SEASON_DETAIL_KEY, seasonId, list, filter],
    queryFn: ({ signal }) => get(params, signal),
    placeholderData: keepPreviousData,
  });
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
  return seasonListQuery(seasonId, 'decisions', filter, async (params, signal) =>
    unwrap(await api.GET('/api/v1/seasons/{season_id}/decisions', { params, signal })),
  );
}

export function positionsQuery(seasonId: number, filter: ListFilter) {
  return seasonListQuery(seasonId, 'positions', filter, async (params, signal) =>
    unwrap(await api.GET('/api/v1/seasons/{season_id}/positions', { params, signal })),
  );
}

export function tradesQuery(seasonId: number, filter: ListFilter) {
  return seasonListQuery(seasonId, 'trades', filter, async (params, signal) =>
    unwrap(await api.GET('/api/v1/seasons/{season_id}/trades', { params, signal })),
  );
}

export function ordersQuery(seasonId: number, filter: ListFilter) {
  return seasonListQuery(seasonId, 'orders', filter, async (params, signal) =>
    unwrap(await api.GET('/api/v1/seasons/{season_id}/orders', { params, signal })),
  );
}

export function fundingQuery(seasonId: number, filter: ListFilter) {
  return seasonListQuery(seasonId, 'funding', filter, async (params, signal) =>
    unwrap(await api.GET('/api/v1/seasons/{season_id}/funding', { params, signal })),
  );
}

export function riskEventsQuery(seasonId: number, filter: ListFilter) {
  return seasonListQuery(seasonId, 'risk-events', filter, async (params, signal) =>
    unwrap(await api.GET('/api/v1/seasons/{season_id}/risk-events', { params, signal })),
  );
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
