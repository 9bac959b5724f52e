import { fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { LeaderboardTable } from './Leaderboard';
import type { Leaderboard } from './queries';
import { row } from './testFixtures';

function board(rows: Leaderboard['rows']): Leaderboard {
  return {
    season_id: 1, name: 's', status: 'finished', ticks: 100, start: '', last_tick: null, confidence: 0.9,
    min_trades: 10, real: false, rank_by: 'value', rows,
  };
}

const trader = row({
  rank: 1, entry_id: 1, name: 'trader', alpha_btc_pct: 12.4, alpha_btc_low_pct: -20.5, alpha_btc_high_pct: 48,
  alpha_basket_pct: 9.1, alpha_basket_low_pct: -25, alpha_basket_high_pct: 44, beta_btc: 0.85, beta_basket: 0.7,
  net_exposure: 0.35, gross_exposure: 0.6, long_share: 0.55, short_share: 0.1, flat_share: 0.35, turnover: 4.2,
});
const loser = row({
  rank: 2, entry_id: 2, name: 'loser', alpha_btc_pct: -3.25, alpha_btc_low_pct: -9, alpha_btc_high_pct: 1,
  beta_btc: -0.4, net_exposure: -0.2, gross_exposure: 0.2, long_share: 0, short_share: 0.8, flat_share: 0.2, turnover: 1,
});
const fresh = row({ rank: 3, entry_id: 3, name: 'fresh' });

function rowOf(name: string) {
  const found = screen.getAllByTestId('leaderboard-row').find((element) => element.dataset.entry === name);
  if (!found) throw new Error(`no row ${name}`);
  return within(found);
}

describe('LeaderboardTable', () => {
  it('shows alpha signed and coloured with its interval, the basket alpha on hover', () => {
    render(<LeaderboardTable board={board([trader, loser, fresh])} />);
    const alpha = rowOf('trader').getByTestId('alpha');
    expect(alpha.textContent).toContain('+12.4%');
    expect(alpha.querySelector('.gain')).not.toBeNull();
    const span = rowOf('trader').getByTestId('alpha-interval');
    expect(span.textContent).toBe('−20.5% … +48.0%');
    expect(span.title).toBe('90% interval of the alpha vs BTC · vs the equal-weight basket: +9.1% (−25.0% … +44.0%)');
    expect(rowOf('loser').getByTestId('alpha').querySelector('.loss')?.textContent).toBe('−3.3%');
  });

  it('shows beta to BTC with the basket beta in its tooltip', () => {
    render(<LeaderboardTable board={board([trader, loser])} />);
    const beta = rowOf('trader').getByTestId('beta');
    expect(beta.textContent).toBe('0.85');
    expect(beta.title).toBe('Beta to BTC: 0.85 · to the equal-weight basket: 0.70');
    expect(rowOf('loser').getByTestId('beta').textContent).toBe('−0.40');
  });

  it('shows net exposure with gross and turnover beneath and the long/short/flat shares on hover', () => {
    render(<LeaderboardTable board={board([trader, loser])} />);
    const exposure = rowOf('trader').getByTestId('exposure');
    expect(exposure.textContent).toContain('+35%');
    expect(rowOf('trader').getByTestId('exposure-detail').textContent).toBe('gross 60% · 4.2×');
    expect(exposure.title).toContain('net long 55% of the ticks, net short 10%, flat 35%');
    const widths = [...rowOf('trader').getByTestId('sides-bar').children].map((side) => (side as HTMLElement).style.width);
    expect(widths).toEqual(['55%', '10%', '35%']);
    expect(rowOf('loser').getByTestId('exposure').textContent).toContain('−20%');
  });

  it('shows a dash where a figure is undefined', () => {
    render(<LeaderboardTable board={board([fresh])} />);
    const cells = rowOf('fresh');
    expect(cells.queryByTestId('alpha')).toBeNull();
    expect(cells.queryByTestId('beta')).toBeNull();
    expect(cells.queryByTestId('exposure')).toBeNull();
  });

  it('reorders the rows by alpha when its header is clicked, then the other way', () => {
    render(<LeaderboardTable board={board([fresh, loser, trader])} />);
    const order = () => screen.getAllByTestId('leaderboard-row').map((element) => element.dataset.entry);
    expect(order()).toEqual(['trader', 'loser', 'fresh']);
    fireEvent.click(screen.getByRole('button', { name: /^Alpha\/yr/ }));
    expect(order()).toEqual(['trader', 'loser', 'fresh']);
    expect(screen.getByRole('button', { name: /^Alpha\/yr/ }).textContent).toBe('Alpha/yr ▼');
    fireEvent.click(screen.getByRole('button', { name: /^Alpha\/yr/ }));
    expect(order()).toEqual(['loser', 'trader', 'fresh']);
    fireEvent.click(screen.getByRole('button', { name: /^Beta/ }));
    expect(order()).toEqual(['loser', 'trader', 'fresh']);
    fireEvent.click(screen.getByRole('button', { name: /^Exposure/ }));
    expect(order()).toEqual(['trader', 'loser', 'fresh']);
  });
});
