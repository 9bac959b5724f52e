import { describe, expect, it } from 'vitest';

import { beatsTitle, orderedMatrix, percent, refetchDelay, shade } from './pairwise';

const comparison = {
  entries: ['a', 'b', 'c'],
  p_beats: [
    [0.5, 0.63, 0.71],
    [0.37, 0.5, 0.58],
    [0.29, 0.42, 0.5],
  ],
};

describe('orderedMatrix', () => {
  it('keeps the comparison as it is in its own order', () => {
    expect(orderedMatrix(comparison, ['a', 'b', 'c'])).toEqual({ entries: ['a', 'b', 'c'], p: comparison.p_beats });
  });

  it('follows the leaderboard’s order, moving rows and columns together', () => {
    const { entries, p } = orderedMatrix(comparison, ['c', 'a', 'b']);
    expect(entries).toEqual(['c', 'a', 'b']);
    expect(p).toEqual([
      [0.5, 0.29, 0.42],
      [0.71, 0.5, 0.63],
      [0.58, 0.37, 0.5],
    ]);
    // still P(row beats column): each pair and its mirror sum to one
    p.forEach((row, i) => row.forEach((value, j) => expect(value + (p[j]?.[i] ?? 0)).toBeCloseTo(1)));
  });

  it('appends entries the order misses and drops names the comparison lacks', () => {
    expect(orderedMatrix(comparison, ['b', 'ghost', 'b']).entries).toEqual(['b', 'a', 'c']);
  });
});

describe('percent', () => {
  it('rounds to whole percentages and never claims certainty', () => {
    expect(percent(0.634)).toBe('63%');
    expect(percent(0.5)).toBe('50%');
    expect(percent(0.001)).toBe('<1%');
    expect(percent(0.9999)).toBe('>99%');
    expect(percent(0.99)).toBe('99%');
  });

  it('reads as a sentence in the tooltip', () => {
    expect(beatsTitle('ema', 'hold', 0.63)).toBe('ema beats hold in 63% of resamples');
  });
});

describe('shade', () => {
  it('leaves a coin toss unshaded', () => {
    expect(shade(0.5)).toEqual({ side: 'even', strength: 0, background: 'transparent' });
  });

  it('shades ahead blue and behind orange, deeper the further from 50%', () => {
    expect(shade(0.63).side).toBe('ahead');
    expect(shade(0.63).background).toMatch(/^rgb\(68 119 170 \//);
    expect(shade(0.2).side).toBe('behind');
    expect(shade(0.2).background).toMatch(/^rgb\(238 119 51 \//);
    expect(shade(0.9).strength).toBeGreaterThan(shade(0.63).strength);
    expect(shade(1).strength).toBe(1);
  });

  it('gives a pair and its mirror the same depth on opposite sides', () => {
    expect(shade(0.8).strength).toBeCloseTo(shade(0.2).strength);
    expect(shade(0.8).side).not.toBe(shade(0.2).side);
  });
});

describe('refetchDelay', () => {
  it('refetches at once when the season has stopped or the last fetch is old', () => {
    expect(refetchDelay(1_000, 2_000, 10_000, true)).toBe(0);
    expect(refetchDelay(1_000, 20_000, 10_000, false)).toBe(0);
  });

  it('waits out the rest of the interval while ticks arrive', () => {
    expect(refetchDelay(1_000, 4_000, 10_000, false)).toBe(7_000);
  });
});
