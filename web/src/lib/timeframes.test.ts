import { describe, expect, it } from 'vitest';

import { TIMEFRAMES, timeframeMs } from './timeframes';

const HOUR = 3_600_000;

describe('timeframes', () => {
  it('lists the API timeframes shortest first', () => {
    expect(TIMEFRAMES[0]).toBe('1m');
    expect(TIMEFRAMES.at(-1)).toBe('1d');
    const lengths = TIMEFRAMES.map((tf) => timeframeMs(tf) ?? 0);
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
  });

  it('knows how long a bar is', () => {
    expect(timeframeMs('1h')).toBe(HOUR);
    expect(timeframeMs('15m')).toBe(15 * 60_000);
    expect(timeframeMs('4h')).toBe(4 * HOUR);
    expect(timeframeMs('1d')).toBe(24 * HOUR);
    expect(timeframeMs('hourly')).toBeNull();
    expect(timeframeMs('toString')).toBeNull();
  });
});
