// The leaderboard's columns that sort, and how: numbers by value, names alphabetically, beta by
// its distance from 0, the unknown (null) always last whatever the direction.
import type { LeaderboardRow } from './queries';

export type SortKey =
  | 'rank' | 'name' | 'account_value' | 'return_pct' | 'alpha_btc_pct' | 'p_beats_btc' | 'sharpe' | 'beta_btc'
  | 'net_exposure' | 'max_drawdown_pct' | 'trades' | 'fees' | 'funding' | 'llm_cost_usd' | 'invalid_decisions' | 'avg_decision_ms';

export type Direction = 'asc' | 'desc';

export interface Sort {
  key: SortKey;
  direction: Direction;
}

export const DEFAULT_SORT: Sort = { key: 'rank', direction: 'asc' };

/** The direction a column sorts in on its first click: best first. Beta has no better end, so
 *  it sorts by its size, the least tied to BTC (closest to market-neutral) first; exposure
 *  puts the most net long first. */
const FIRST_DIRECTION: Record<SortKey, Direction> = {
  rank: 'asc', name: 'asc', account_value: 'desc', return_pct: 'desc', alpha_btc_pct: 'desc', p_beats_btc: 'desc',
  sharpe: 'desc', beta_btc: 'asc', net_exposure: 'desc', max_drawdown_pct: 'asc', trades: 'desc', fees: 'asc', funding: 'desc',
  llm_cost_usd: 'asc', invalid_decisions: 'asc', avg_decision_ms: 'asc',
};

/** The sort after clicking a column's header: the same column flips, another starts best first. */
export function nextSort(current: Sort, key: SortKey): Sort {
  if (current.key === key) return { key, direction: current.direction === 'asc' ? 'desc' : 'asc' };
  return { key, direction: FIRST_DIRECTION[key] };
}

/** What a column sorts on: the cell's value, but beta's size (−0.8 is as tied to BTC as 0.8). */
function sortValue(row: LeaderboardRow, key: SortKey): string | number | null {
  if (key === 'beta_btc') return row.beta_btc === null ? null : Math.abs(row.beta_btc);
  return row[key];
}

export function sortRows(rows: readonly LeaderboardRow[], sort: Sort): LeaderboardRow[] {
  const factor = sort.direction === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    if (x === null && y === null) return a.rank - b.rank;
    if (x === null) return 1;
    if (y === null) return -1;
    const order = typeof x === 'string' && typeof y === 'string' ? x.localeCompare(y) : Number(x) - Number(y);
    return order * factor || a.rank - b.rank;
  });
}
