// The system page's reads.
import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '../../api/client';
import { rowsQuery, type BrowserState } from './browserState';

export function useSystemInfo() {
  return useQuery({ queryKey: ['system', 'info'], queryFn: async () => unwrap(await api.GET('/api/v1/system')) });
}

export function useRecentErrors() {
  return useQuery({
    queryKey: ['system', 'errors'],
    queryFn: async () => unwrap(await api.GET('/api/v1/system/errors', { params: { query: { limit: 50 } } })),
  });
}

/** Seasons a person may pause or resume: running and paused ones. */
export function useControllableSeasons() {
  return useQuery({
    queryKey: ['seasons', 'controllable'],
    queryFn: async () => {
      const [running, paused] = await Promise.all(
        (['running', 'paused'] as const).map(async (status) =>
          unwrap(await api.GET('/api/v1/seasons', { params: { query: { status, limit: 100 } } })),
        ),
      );
      return [...(running?.items ?? []), ...(paused?.items ?? [])].sort((a, b) => a.id - b.id);
    },
  });
}

export function useTables() {
  return useQuery({
    queryKey: ['system', 'database', 'tables'],
    queryFn: async () => unwrap(await api.GET('/api/v1/system/database/tables')),
  });
}

export function useTableRows(state: BrowserState) {
  return useQuery({
    queryKey: ['system', 'database', 'rows', state],
    enabled: state.table !== null,
    // the previous page stays while the next loads, but never another table's rows
    placeholderData: (previous) => (previous?.table === state.table ? previous : undefined),
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/system/database/tables/{table}/rows', {
          params: { path: { table: state.table ?? '' }, query: rowsQuery(state) },
        }),
      ),
  });
}
