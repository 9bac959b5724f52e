import { describe, expect, it } from 'vitest';

import { row } from './testFixtures';
import { DEFAULT_SORT, nextSort, sortRows } from './leaderboardSort';

const rows = [
  row({ rank: 1, entry_id: 1, name: 'zeta', return_pct: 12, sharpe: 1.5, max_drawdown_pct: 9, llm_cost_usd: null }),
  row({ rank: 2, entry_id: 2, name: 'alpha', return_pct: 3, sharpe: null, max_drawdown_pct: 2, llm_cost_usd: 0.5 }),
  row({ rank: 3, entry_id: 3, name: 'mid', return_pct: -4, sharpe: 0.2, max_drawdown_pct: 15, llm_cost_usd: 0.1 }),
];
const names = (sorted: typeof rows) => sorted.map((item) => item.name);

describe('sortRows', () => {
  it('keeps the ranking by default', () => {
    expect(sortRows([...rows].reverse(), DEFAULT_SORT).map((item) => item.rank)).toEqual([1, 2, 3]);
  });

  it('sorts numbers both ways', () => {
    expect(names(sortRows(rows, { key: 'return_pct', direction: 'desc' }))).toEqual(['zeta', 'alpha', 'mid']);
    expect(names(sortRows(rows, { key: 'return_pct', direction: 'asc' }))).toEqual(['mid', 'alpha', 'zeta']);
  });

  it('sorts names alphabetically', () => {
    expect(names(sortRows(rows, { key: 'name', direction: 'asc' }))).toEqual(['alpha', 'mid', 'zeta']);
  });

  it('puts unknown values last in either direction', () => {
    expect(names(sortRows(rows, { key: 'sharpe', direction: 'desc' })).at(-1)).toBe('alpha');
    expect(names(sortRows(rows, { key: 'sharpe', direction: 'asc' })).at(-1)).toBe('alpha');
    expect(names(sortRows(rows, { key: 'llm_cost_usd', direction: 'asc' })).at(-1)).toBe('zeta');
  });

  it('does not change the rows it is given', () => {
    const before = names(rows);
    sortRows(rows, { key: 'name', direction: 'desc' });
    expect(names(rows)).toEqual(before);
  });
});

describe('sortRows on the skill columns', () => {
  const skill = [
    row({ rank: 1, entry_id: 1, name: 'rider', alpha_btc_pct: -2, beta_btc: 1.1, net_exposure: 0.9 }),
    row({ rank: 2, entry_id: 2, name: 'shorty', alpha_btc_pct: 14, beta_btc: -0.9, net_exposure: -0.4 }),
    row({ rank: 3, entry_id: 3, name: 'neutral', alpha_btc_pct: 6, beta_btc: 0.05, net_exposure: 0.02 }),
    row({ rank: 4, entry_id: 4, name: 'unknown', alpha_btc_pct: null, beta_btc: null, net_exposure: null }),
  ];
  const first = (key: 'alpha_btc_pct' | 'beta_btc' | 'net_exposure') =>
    names(sortRows(skill, nextSort(DEFAULT_SORT, key)));

  it('ranks by alpha, the highest first, the undefined last', () => {
    expect(first('alpha_btc_pct')).toEqual(['shorty', 'neutral', 'rider', 'unknown']);
  });

  it('sorts beta by its size: the most market-neutral first, a short as tied to BTC as a long', () => {
    expect(first('beta_btc')).toEqual(['neutral', 'shorty', 'rider', 'unknown']);
    expect(names(sortRows(skill, { key: 'beta_btc', direction: 'desc' }))).toEqual(['rider', 'shorty', 'neutral', 'unknown']);
  });

  it('puts the most net long first by exposure', () => {
    expect(first('net_exposure')).toEqual(['rider', 'neutral', 'shorty', 'unknown']);
  });
});

describe('nextSort', () => {
  it('flips the direction of the sorted column', () => {
    expect(nextSort({ key: 'return_pct', direction: 'desc' }, 'return_pct')).toEqual({ key: 'return_pct', direction: 'asc' });
  });

  it('starts another column best first', () => {
    expect(nextSort(DEFAULT_SORT, 'return_pct').direction).toBe('desc');
    expect(nextSort(DEFAULT_SORT, 'max_drawdown_pct').direction).toBe('asc');
  });
});
