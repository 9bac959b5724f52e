// The data monitor's reads: events and runs page through the API (coverage is shared with
// the market page's pickers).
import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '../../api/client';

export { useStoredSeries as useCoverage } from '../market/queries';

export type EventStatus = 'unresolved' | 'open' | 'confirmed' | 'resolved' | 'all';

export function useIntegrityEvents(status: EventStatus, limit: number, offset: number) {
  return useQuery({
    queryKey: ['data', 'integrity-events', status, limit, offset],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/data/integrity-events', { params: { query: { status, limit, offset } } })),
  });
}

export function useIngestionRuns(limit: number, offset: number) {
  return useQuery({
    queryKey: ['data', 'ingestion-runs', limit, offset],
    placeholderData: keepPreviousData,
    queryFn: async () => unwrap(await api.GET('/api/v1/data/ingestion-runs', { params: { query: { limit, offset } } })),
  });
}
