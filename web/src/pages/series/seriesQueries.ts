// The series pages' reads.
import { queryOptions } from '@tanstack/react-query';

import { api, unwrap, type Schemas } from '../../api/client';

export type Series = Schemas['SeriesOut'];
export type SeriesSummary = Schemas['SeriesSummaryOut'];
export type SeriesEntry = Schemas['SeriesEntryOut'];

export const SERIES_KEY = ['series'] as const;

export const seriesListQuery = queryOptions({
  queryKey: [...SERIES_KEY, 'list'],
  queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/series', { params: { query: { limit: 200 } }, signal })),
});

export function seriesQuery(id: number) {
  return queryOptions({
    queryKey: [...SERIES_KEY, id],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/series/{series_id}', { params: { path: { series_id: id } }, signal })),
  });
}
