import { describe, expect, it } from 'vitest';

import { agreement, ordinal, rankBars, statusLine, windowsText } from './seriesStats';

describe('rankBars', () => {
  it('scales each place by the windows, ties counting half', () => {
    expect(rankBars([1, 1.5, 0.5, 0], 3)).toEqual([
      { place: 1, count: 1, height: 1 / 3 },
      { place: 2, count: 1.5, height: 0.5 },
      { place: 3, count: 0.5, height: 1 / 6 },
      { place: 4, count: 0, height: 0 },
    ]);
  });

  it('draws nothing before a window finished', () => {
    expect(rankBars([0, 0], 0).map((bar) => bar.height)).toEqual([0, 0]);
  });
});

describe('words', () => {
  it('writes places and window counts', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd']);
    expect(windowsText(1)).toBe('1 window');
    expect(windowsText(1.5)).toBe('1.5 windows');
    expect(windowsText(0)).toBe('0 windows');
  });

  it('says how far the windows agree', () => {
    expect(agreement(0.82, 12)).toMatch(/^The 12 windows strongly agree on the order/);
    expect(agreement(0.5, 3)).toMatch(/moderately agree/);
    expect(agreement(0.05, 3)).toMatch(/hardly agree/);
    expect(agreement(null, 1)).toMatch(/^Needs two finished windows/);
  });

  it('lists the statuses finished first', () => {
    expect(statusLine({ running: 2, finished: 10 })).toBe('10 finished · 2 running');
    expect(statusLine({})).toBe('no windows');
  });
});
