import { describe, expect, it } from 'vitest';

import { compareRows, deltaTone, formatDelta } from './compare';
import { HEADLINE, metricSpec } from './metrics';

describe('compareRows', () => {
  const metrics = {
    sharpe: [1.5, 0.5, 2],
    total_return: [0.1, -0.05, 0.1],
    max_drawdown: [0.2, 0.1, null],
    funding_paid: [3, 4, 5],
    trade_count: [10, 12, 10],
  };
  const rows = compareRows(metrics);
  const row = (key: string) => rows.find((r) => r.spec.key === key);

  it('puts headline metrics first in card order, then the diagnostics', () => {
    const headline = HEADLINE.map((spec) => spec.key);
    expect(rows.map((r) => r.spec.key)).toEqual([
      ...headline.filter((key) => key in metrics),
      'funding_paid',
    ]);
  });

  it('gives each run its difference from the first, none for the first or a missing value', () => {
    expect(row('sharpe')?.deltas[0]).toBeNull();
    expect(row('sharpe')?.deltas[1]).toBeCloseTo(-1, 12);
    expect(row('sharpe')?.deltas[2]).toBeCloseTo(0.5, 12);
    expect(row('total_return')?.deltas[1]).toBeCloseTo(-0.15, 12);
    expect(row('max_drawdown')?.deltas).toEqual([null, expect.closeTo(-0.1, 12), null]);
  });

  it('says whether a difference is better, worse or neither', () => {
    expect(deltaTone('sharpe', -1)).toBe('loss');
    expect(deltaTone('sharpe', 0.5)).toBe('gain');
    expect(deltaTone('max_drawdown', -0.1)).toBe('gain'); // a shallower drawdown
    expect(deltaTone('fees_paid', 5)).toBe('loss');
    expect(deltaTone('trade_count', 2)).toBe('');
    expect(deltaTone('sharpe', 0)).toBe('');
  });

  it('prints fractions in percentage points, always signed', () => {
    expect(formatDelta(metricSpec('total_return'), -0.15)).toBe('−15.00 pp');
    expect(formatDelta(metricSpec('sharpe'), 0.5)).toBe('+0.50');
    expect(formatDelta(metricSpec('trade_count'), 2)).toBe('+2');
    expect(formatDelta(metricSpec('fees_paid'), -1234.5)).toBe('−1,234.50');
    expect(formatDelta(metricSpec('sharpe'), 0)).toBe('±0.00');
    expect(formatDelta(metricSpec('sharpe'), null)).toBe('');
  });
});
