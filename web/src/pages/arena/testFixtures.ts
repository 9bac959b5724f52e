// Small, typed stand-ins for API answers, for the unit tests of this page.
import type { TickData } from '../../live/messages';
import type { Equity, LeaderboardRow, Season } from './queries';

export function season(overrides: Partial<Season> = {}): Season {
  return {
    id: 1, name: 'spring', mode: 'replay', status: 'finished', timeframe: '1h',
    start: '2025-01-01T00:00:00Z', end: '2025-02-01T00:00:00Z', ticks_done: 744, ticks_total: 744, entries: 4,
    last_tick: '2025-02-01T00:00:00Z', message: '', created: '2026-01-01T00:00:00Z',
    updated: '2026-01-01T00:00:00Z', config: { capital: 10_000 }, ...overrides,
  };
}

export function row(overrides: Partial<LeaderboardRow> = {}): LeaderboardRow {
  return {
    rank: 1, entry_id: 1, name: 'ema-trend', description: '', fingerprint: 'abc', baseline: false,
    status: 'active', account_value: 10_000, return_pct: 0, pnl: 0, fees: 0, funding: 0, win_rate: null,
    biggest_win: null, biggest_loss: null, sharpe: null, max_drawdown_pct: 0, trades: 0, llm_cost_usd: 0,
    invalid_decisions: 0, repaired_answers: 0, missed_deadlines: 0, avg_decision_ms: null,
    return_low_pct: 0, return_high_pct: 0, sharpe_low: 0, sharpe_high: 0, p_beats_btc: null,
    few_trades: false, beta_btc: null, alpha_btc_pct: null, alpha_btc_low_pct: null, alpha_btc_high_pct: null,
    beta_basket: null, alpha_basket_pct: null, alpha_basket_low_pct: null, alpha_basket_high_pct: null,
    net_exposure: null, gross_exposure: null, long_share: null, short_share: null, flat_share: null, turnover: null,
    ...overrides,
  };
}

/** An equity history: `values[entry]` is that entry's account value at ticks 0, 1, 2... */
export function equity(values: Record<string, number[]>, hourMs = 3_600_000): Equity {
  return {
    season_id: 1,
    series: Object.entries(values).map(([entry, list]) => ({
      entry,
      total_points: list.length,
      points: list.map((value, tick) => ({ tick, ts: (tick + 1) * hourMs, equity: value, cash: value, exposure: 0 })),
    })),
  };
}

export function tick(number: number, values: Record<string, number>, hourMs = 3_600_000): TickData {
  return {
    season_id: 1, tick: number, ts: (number + 1) * hourMs, time: new Date((number + 1) * hourMs).toISOString(),
    entries: Object.entries(values).map(([entry, value]) => ({ entry, equity: value, cash: value, exposure: 0 })),
  };
}
