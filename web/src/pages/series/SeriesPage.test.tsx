import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { describe, expect, it } from 'vitest';

import SeriesPage from './SeriesPage';
import { seriesListQuery, seriesQuery, type Series } from './seriesQueries';

function entry(name: string, overrides: Partial<Series['aggregate']['entries'][number]> = {}) {
  return {
    name, kind: 'strategy', baseline: false, deterministic: true, mean_rank: 1.5, median_rank: 1.5, rank_counts: [1.5, 0.5],
    p_first: 0.5, return_mean_pct: 2.5, return_std_pct: 1.2, return_min_pct: -1, return_median_pct: 2, return_max_pct: 6,
    llm_cost_usd: 0, ranks: [1, 2], ...overrides,
  };
}

const series: Series = {
  id: 7, name: 'walk', kind: 'consecutive', created: '2026-01-05T10:00:00Z', note: null,
  config: { agents: ['ema', 'llm'], symbols: ['BTC/USDT:USDT'], timeframe: '1h' },
  windows: [
    { window: 1, season_id: 14, name: 'walk 1/2', start: '2025-01-01T00:00:00Z', end: '2025-02-01T00:00:00Z', status: 'finished', ticks_done: 744, ticks_total: 744, winner: 'ema' },
    { window: 2, season_id: 15, name: 'walk 2/2', start: '2025-02-01T00:00:00Z', end: '2025-03-01T00:00:00Z', status: 'finished', ticks_done: 672, ticks_total: 672, winner: 'llm' },
  ],
  aggregate: {
    windows: 2, kendalls_w: 0.25,
    entries: [entry('ema'), entry('llm', { mean_rank: 1.5, rank_counts: [0.5, 1.5], p_first: 0.5, llm_cost_usd: null })],
  },
};

function show(path: string, client: QueryClient) {
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/series" element={<SeriesPage />} />
          <Route path="/series/:seriesId" element={<SeriesPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

function cached(): QueryClient {
  // answers already in the cache: nothing is fetched
  return new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
}

describe('SeriesPage', () => {
  it('says how to make a series when there is none', () => {
    const client = cached();
    client.setQueryData(seriesListQuery.queryKey, { items: [], total: 0, limit: 200, offset: 0 });
    show('/series', client);
    expect(screen.getByTestId('empty').textContent).toContain('arena season series create');
  });

  it('shows a series: its windows linked to their seasons and the rank-stability table', () => {
    const client = cached();
    client.setQueryData(seriesQuery(7).queryKey, series);
    show('/series/7', client);
    const windows = screen.getAllByTestId('window-row');
    expect(windows.map((row) => within(row).getByRole('link').getAttribute('href'))).toEqual(['/arena/14', '/arena/15']);
    const rows = screen.getAllByTestId('stability-row');
    expect(rows.map((row) => row.dataset.entry)).toEqual(['ema', 'llm']);
    const bars = within(rows[1] as HTMLElement).getByTestId('rank-bars');
    expect(bars.getAttribute('aria-label')).toBe('1st in 0.5 windows, 2nd in 1.5 windows');
    expect(within(rows[1] as HTMLElement).getByText('unknown')).toBeTruthy();
    expect(screen.getByTestId('kendalls-w').textContent).toMatch(/^Kendall’s W 0\.25 The 2 windows weakly agree/);
  });

  it('refuses an id that is not a number', () => {
    show('/series/abc', cached());
    expect(screen.getByTestId('error').textContent).toContain('positive whole number');
  });
});
