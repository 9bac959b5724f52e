// What the Arena page reads, under keys of its own ('arena', ...): the live feed writes into
// the same entries (see liveCache.ts), so a live season never needs a refetch.
import { keepPreviousData, queryOptions, useQuery, type QueryClient } from '@tanstack/react-query';

import { api, unwrap, type Schemas } from '../../api/client';

export type Season = Schemas['SeasonOut'];
export type Equity = Schemas['EquityOut'];
export type Leaderboard = Schemas['LeaderboardOut'];
export type LeaderboardRow = Schemas['LeaderboardRowOut'];
export type Decision = Schemas['DecisionOut'];
export type Fill = Schemas['FillOut'];
export type Position = Schemas['PositionOut'];
export type Comparison = Schemas['CompareOut'];

/** Points per entry asked of the equity endpoint (the chart is at most ~1000 px wide). */
export const EQUITY_POINTS = 800;
/** Items kept in the model chat and trades feeds. */
export const FEED_ITEMS = 60;

export const arenaKeys = {
  seasons: ['arena', 'seasons'] as const,
  equity: (id: number) => ['arena', id, 'equity'] as const,
  leaderboard: (id: number) => ['arena', id, 'leaderboard'] as const,
  /** Keyed by the ticks compared: a season that moved asks again. */
  compare: (id: number, ticks: number) => ['arena', id, 'compare', ticks] as const,
  decisions: (id: number) => ['arena', id, 'decisions'] as const,
  fills: (id: number) => ['arena', id, 'fills'] as const,
  positions: (id: number) => ['arena', id, 'positions'] as const,
  live: (id: number) => ['arena', id, 'live'] as const,
};

/** What the live feed said of the season's progress (newer than the seasons list). */
export interface LiveProgress {
  status?: string;
  ticks_done?: number;
  last_tick?: string;
  message?: string;
  error?: string;
}

export function useSeasons() {
  return useQuery({
    queryKey: arenaKeys.seasons,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons', { params: { query: { limit: 1000 } }, signal })).items,
  });
}

export function equityQuery(id: number) {
  return queryOptions({
    queryKey: arenaKeys.equity(id),
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}/equity', {
        params: { path: { season_id: id }, query: { points: EQUITY_POINTS } }, signal,
      })),
  });
}

export function leaderboardQuery(id: number) {
  return queryOptions({
    queryKey: arenaKeys.leaderboard(id),
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}/leaderboard', { params: { path: { season_id: id } }, signal })),
  });
}

export function useEquity(id: number | null) {
  return useQuery({ ...equityQuery(id ?? 0), enabled: id !== null });
}

export function useLeaderboard(id: number | null) {
  return useQuery({ ...leaderboardQuery(id ?? 0), enabled: id !== null });
}

/** Ask for a season's chart and leaderboard before the seasons list has answered, when the
 * address names the season (they would otherwise wait for it: a round trip more). */
export function prefetchSeason(client: QueryClient, id: number): void {
  void client.prefetchQuery(equityQuery(id));
  void client.prefetchQuery(leaderboardQuery(id));
}

/** The pairwise comparison as of `ticks` ticks; the last answer stays shown while the next
 *  loads. */
export function useComparison(id: number, ticks: number, enabled: boolean) {
  return useQuery({
    queryKey: arenaKeys.compare(id, ticks),
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}/compare', { params: { path: { season_id: id } }, signal })),
    enabled,
    placeholderData: keepPreviousData,
  });
}

export function useDecisions(id: number) {
  return useQuery({
    queryKey: arenaKeys.decisions(id),
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}/decisions', {
        params: { path: { season_id: id }, query: { limit: FEED_ITEMS } }, signal,
      })).items,
  });
}

export function useFills(id: number) {
  return useQuery({
    queryKey: arenaKeys.fills(id),
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}/fills', {
        params: { path: { season_id: id }, query: { limit: FEED_ITEMS } }, signal,
      })).items,
  });
}

export function usePositions(id: number) {
  return useQuery({
    queryKey: arenaKeys.positions(id),
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/seasons/{season_id}/positions', {
        params: { path: { season_id: id }, query: { limit: 200 } }, signal,
      })).items,
  });
}

export function useLiveProgress(id: number | null) {
  return useQuery<LiveProgress>({
    queryKey: arenaKeys.live(id ?? 0),
    // written by the live feed only; nothing to fetch
    queryFn: () => ({}),
    enabled: false,
    initialData: {},
  });
}
