import { describe, expect, it } from 'vitest';

import { barOpen, fillMarkers } from './markers';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 11, 1);

describe('fills as chart markers', () => {
  it('puts a fill at the open of the bar it fell in', () => {
    expect(barOpen(T0 + 90 * 60_000, HOUR)).toBe(T0 + HOUR);
    expect(barOpen(T0 + 4 * HOUR + 1, 4 * HOUR)).toBe(T0 + 4 * HOUR);
  });

  it('marks buys and sells, oldest first, one per bar and side with the count', () => {
    const fills = [
      { ts: T0 + 5 * HOUR, side: 'sell', quantity: 0.01 },
      { ts: T0 + HOUR, side: 'buy', quantity: 0.01 },
      { ts: T0 + HOUR + 60_000, side: 'buy', quantity: 0.02 },
      { ts: T0 + HOUR, side: 'sell', quantity: 0.01 },
    ];
    expect(fillMarkers(fills, HOUR)).toEqual([
      { ts: T0 + HOUR, side: 'buy', text: 'B×2' },
      { ts: T0 + HOUR, side: 'sell', text: 'S' },
      { ts: T0 + 5 * HOUR, side: 'sell', text: 'S' },
    ]);
  });

  it('marks nothing without fills', () => {
    expect(fillMarkers([], HOUR)).toEqual([]);
  });
});
