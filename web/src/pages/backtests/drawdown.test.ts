import { describe, expect, it } from 'vitest';

import { deepestDrawdown, drawdownFromEquity } from './drawdown';

const curve = (values: number[]) => values.map((equity, i) => ({ ts: i * 3_600_000, equity }));

describe('drawdownFromEquity', () => {
  it('is zero at every new high and the fraction below the running peak otherwise', () => {
    const points = drawdownFromEquity(curve([100, 110, 99, 88, 121, 110]));
    expect(points.map((p) => p.ts)).toEqual([0, 1, 2, 3, 4, 5].map((i) => i * 3_600_000));
    const drawdowns = points.map((p) => p.drawdown);
    expect(drawdowns[0]).toBe(0);
    expect(drawdowns[1]).toBe(0);
    expect(drawdowns[2]).toBeCloseTo(99 / 110 - 1, 12);
    expect(drawdowns[3]).toBeCloseTo(-0.2, 12);
    expect(drawdowns[4]).toBe(0);
    expect(drawdowns[5]).toBeCloseTo(110 / 121 - 1, 12);
  });

  it('never rises above zero and the deepest point is the max drawdown (negated)', () => {
    const values = [10_000, 10_200, 9_500, 9_900, 10_500, 8_400, 9_000];
    const points = drawdownFromEquity(curve(values));
    expect(points.every((p) => p.drawdown <= 0)).toBe(true);
    expect(deepestDrawdown(curve(values))).toBeCloseTo(8_400 / 10_500 - 1, 12);
  });

  it('handles an empty curve and a wiped-out account', () => {
    expect(drawdownFromEquity([])).toEqual([]);
    expect(deepestDrawdown([])).toBe(0);
    expect(drawdownFromEquity(curve([100, 0])).map((p) => p.drawdown)).toEqual([0, -1]);
  });
});
