import { describe, expect, it } from 'vitest';

import { fundingBars, fundingSummary } from './funding';

const H8 = 8 * 3_600_000;
const colors = { gain: 'green', loss: 'red' };

describe('fundingBars', () => {
  it('maps settlements to signed percent bars, oldest first, coloured by sign', () => {
    const bars = fundingBars(
      [
        { ts: 2 * H8, rate: -0.00025 },
        { ts: 0, rate: 0.0001 },
        { ts: H8, rate: 0 },
      ],
      colors,
    );
    expect(bars.map((bar) => bar.time)).toEqual([0, H8 / 1000, (2 * H8) / 1000]);
    expect(bars[0]?.value).toBeCloseTo(0.01, 10);
    expect(bars[2]?.value).toBeCloseTo(-0.025, 10);
    expect(bars.map((bar) => bar.color)).toEqual(['green', 'green', 'red']);
  });

  it('keeps the last of a repeated time and drops non-finite rates', () => {
    const bars = fundingBars(
      [
        { ts: 0, rate: 0.0001 },
        { ts: 0, rate: 0.0002 },
        { ts: H8, rate: Number.NaN },
      ],
      colors,
    );
    expect(bars).toHaveLength(1);
    expect(bars[0]?.value).toBeCloseTo(0.02, 10);
  });
});

describe('fundingSummary', () => {
  it('is empty without settlements', () => {
    expect(fundingSummary([])).toEqual({ latest: null, mean: null, positiveShare: null, perYear: null, annualized: null });
  });

  it('gives the latest, the mean, the positive share and the yearly rate from the spacing', () => {
    const rates = [0.0001, 0.0003, -0.0001, 0.0001].map((rate, i) => ({ ts: i * H8, rate }));
    const summary = fundingSummary([...rates].reverse());
    expect(summary.latest).toBe(0.0001);
    expect(summary.mean).toBeCloseTo(0.0001, 12);
    expect(summary.positiveShare).toBe(0.75);
    expect(summary.perYear).toBe(3 * 365);
    expect(summary.annualized).toBeCloseTo(0.0001 * 1095, 10);
  });

  it('has no yearly rate from a single settlement', () => {
    const summary = fundingSummary([{ ts: 0, rate: 0.0002 }]);
    expect(summary.latest).toBe(0.0002);
    expect(summary.annualized).toBeNull();
  });
});
