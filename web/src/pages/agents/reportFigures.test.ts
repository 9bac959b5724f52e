import { describe, expect, it } from 'vitest';

import { groups, hitRate, tallyTitle, type Horizon, type Tally } from './reportFigures';

function tally(overrides: Partial<Tally> = {}): Tally {
  return {
    calls: 10, known: 8, pending: 2, hits: 5, hit_rate: 0.625, average_outcome: 0.0012, aside: 0, aside_pending: 0,
    average_move_aside: null, ...overrides,
  };
}

function horizon(bars: number, regimes: Record<string, Tally>, coins: Record<string, Tally>): Horizon {
  return { bars, overall: tally(), by_regime: regimes, by_coin: coins };
}

describe('groups', () => {
  const horizons = [
    horizon(1, { ranging: tally(), trending: tally(), calm: tally() }, { 'ETH/USDT:USDT': tally({ calls: 3 }), 'BTC/USDT:USDT': tally({ calls: 9 }) }),
    horizon(4, { unknown: tally(), squeeze: tally() }, { 'SOL/USDT:USDT': tally({ calls: 3 }) }),
  ];

  it('puts the regimes in the selector’s order, any other after them', () => {
    expect(groups(horizons, 'by_regime')).toEqual(['trending', 'squeeze', 'ranging', 'unknown', 'calm']);
  });

  it('puts the coins with the most calls first, across horizons', () => {
    expect(groups(horizons, 'by_coin')).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT', 'SOL/USDT:USDT']);
  });
});

describe('a tally in words', () => {
  it('writes the hit rate as a whole percentage, a dash with no judged call', () => {
    expect(hitRate(tally())).toBe('63%');
    expect(hitRate(tally({ hit_rate: null, known: 0 }))).toBe('—');
    expect(hitRate(undefined)).toBe('—');
  });

  it('says on hover what was judged and what was not', () => {
    expect(tallyTitle(tally({ aside: 3 }), 4)).toBe(
      "5 of 8 judged calls right after 4 bars; 2 too close to the data's end to judge; 3 stand-aside calls");
    expect(tallyTitle(tally({ pending: 0 }), 1)).toBe('5 of 8 judged calls right after 1 bar');
    expect(tallyTitle(undefined, 1)).toBe('No call');
  });
});
