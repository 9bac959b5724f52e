import { describe, expect, it } from 'vitest';

import { completeness, completenessLabel, coverageTotals, issueLine, spanLabel } from './coverage';

describe('completeness', () => {
  it('is rows over expected rows, capped at one', () => {
    expect(completeness(54018, 54050)).toBeCloseTo(54018 / 54050, 12);
    expect(completeness(10, 8)).toBe(1);
    expect(completeness(0, 0)).toBeNull();
  });

  it('never reads 100% while a row is missing', () => {
    expect(completenessLabel(1)).toBe('100%');
    expect(completenessLabel(0.99996)).toBe('99.99%');
    expect(completenessLabel(54018 / 54050)).toBe('99.94%');
    expect(completenessLabel(null)).toBe('—');
  });
});

describe('spanLabel', () => {
  it('reads hours, days or years', () => {
    const hour = 3_600_000;
    expect(spanLabel(0, 5 * hour)).toBe('5 h');
    expect(spanLabel(0, 23 * 24 * hour)).toBe('23 d');
    expect(spanLabel(0, 2.5 * 365 * 24 * hour)).toBe('2.5 y');
  });
});

describe('issueLine', () => {
  it('lists kinds with issues, most first, words spaced', () => {
    expect(issueLine({ gap: 27, duplicate: 1, ohlc_violation: 3, nan: 0 })).toBe('gap 27 · ohlc violation 3 · duplicate 1');
    expect(issueLine({})).toBe('');
  });
});

describe('coverageTotals', () => {
  it('sums rows, missing rows and gaps over the series', () => {
    const base = { ts_first: 0, ts_last: 1, expected_rows: 0 };
    const totals = coverageTotals([
      { ...base, symbol: 'BTC/USDT', rows: 100, missing_rows: 3, gaps: 2 },
      { ...base, symbol: 'BTC/USDT', rows: 50, missing_rows: 0, gaps: 0 },
      { ...base, symbol: 'ETH/USDT', rows: 10, missing_rows: 1, gaps: 1 },
    ]);
    expect(totals).toEqual({ series: 3, symbols: 2, rows: 160, missing: 4, gaps: 3, withGaps: 2 });
  });
});
