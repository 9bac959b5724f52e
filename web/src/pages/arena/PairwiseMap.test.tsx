import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { PairwiseMap } from './PairwiseMap';
import { arenaKeys, type Comparison, type Leaderboard } from './queries';
import { row } from './testFixtures';

const comparison: Comparison = {
  season_id: 1, ticks: 100, samples: 2000, entries: ['ema', 'hold', 'flat'],
  p_beats: [[0.5, 0.63, 0.999], [0.37, 0.5, 0.58], [0.001, 0.42, 0.5]],
};

function board(names: string[], ticks = 100): Leaderboard {
  return {
    season_id: 1, name: 's', status: 'finished', ticks, start: '', last_tick: null, confidence: 0.9, min_trades: 10,
    real: false, rank_by: 'value', rows: names.map((name, i) => row({ rank: i + 1, entry_id: i + 1, name })),
  };
}

function show(shown: Leaderboard, order: string[]) {
  // the answer is in the cache already: nothing is fetched
  const client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  client.setQueryData(arenaKeys.compare(1, shown.ticks), comparison);
  render(
    <QueryClientProvider client={client}>
      <PairwiseMap seasonId={1} board={shown} order={order} baselines={new Set(['hold'])} />
    </QueryClientProvider>,
  );
}

describe('PairwiseMap', () => {
  it('draws a cell per pair in the given order, the diagonal blank', () => {
    show(board(['ema', 'hold', 'flat']), ['flat', 'ema', 'hold']);
    expect(screen.getAllByTestId('pairwise-row').map((element) => element.dataset.entry)).toEqual(['flat', 'ema', 'hold']);
    const cells = screen.getAllByTestId('pairwise-cell');
    expect(cells).toHaveLength(6);
    expect(screen.getAllByTestId('pairwise-diagonal')).toHaveLength(3);
    expect(cells.map((cell) => cell.textContent)).toEqual(['<1%', '42%', '>99%', '63%', '58%', '37%']);
    expect(cells[3]?.title).toBe('ema beats hold in 63% of resamples');
    expect(cells[3]?.className).toContain('ahead');
    expect(cells[0]?.className).toContain('behind');
    expect(screen.getByTestId('pairwise-caption').textContent).toContain('2,000 bootstrap resamples of 100 ticks');
  });

  it('says what to do with fewer than two entries', () => {
    show(board(['ema']), ['ema']);
    expect(screen.getByTestId('empty').textContent).toContain('at least two entries');
    expect(screen.queryByTestId('pairwise-map')).toBeNull();
  });

  it('waits for the first tick', () => {
    show(board(['ema', 'hold'], 0), ['ema', 'hold']);
    expect(screen.getByTestId('empty').textContent).toContain('first tick');
  });
});
