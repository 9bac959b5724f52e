import { describe, expect, it } from 'vitest';

import { ago, coinOf, interval, money, num, parseTs, pct, sign, utc } from './format';

describe('numbers', () => {
  it('prints money with separators, two decimals and a real minus sign', () => {
    expect(money(12345.678)).toBe('12,345.68');
    expect(money(-4.5)).toBe('−4.50');
    expect(money(null)).toBe('—');
    expect(money(Number.NaN)).toBe('—');
  });

  it('signs every percentage but zero', () => {
    expect(pct(0.123)).toBe('+12.3%');
    expect(pct(-0.045)).toBe('−4.5%');
    expect(pct(0)).toBe('0.0%');
    expect(pct(-0.00001)).toBe('0.0%'); // rounds to nothing: no sign on a zero
    expect(pct(0.5, 2)).toBe('+50.00%');
  });

  it('writes an interval low to high', () => {
    expect(interval(-0.034, 0.425)).toBe('−3.4% … +42.5%');
    expect(interval(null, 0.1)).toBe('—');
  });

  it('tells gains from losses', () => {
    expect([sign(2), sign(-1), sign(0), sign(null)]).toEqual([1, -1, 0, 0]);
    expect(num(-1234.5, 1)).toBe('−1,234.5');
  });
});

describe('times', () => {
  it('prints UTC to the minute whatever the reader’s zone', () => {
    expect(utc(Date.UTC(2026, 0, 5, 14, 7, 59))).toBe('2026-01-05 14:07');
  });

  it('reads API times with or without a zone as UTC', () => {
    expect(parseTs('2026-01-05T14:00:00Z')).toBe(Date.UTC(2026, 0, 5, 14));
    expect(parseTs('2026-01-05T14:00:00')).toBe(Date.UTC(2026, 0, 5, 14));
    expect(parseTs('2026-01-05T16:00:00+02:00')).toBe(Date.UTC(2026, 0, 5, 14));
  });

  it('says how long ago in the largest sensible unit', () => {
    const now = Date.UTC(2026, 0, 5, 12);
    expect(ago(now - 30_000, now)).toBe('30 s ago');
    expect(ago(now - 3 * 60_000, now)).toBe('3 min ago');
    expect(ago(now - 5 * 3_600_000, now)).toBe('5 h ago');
    expect(ago(now - 4 * 86_400_000, now)).toBe('4 d ago');
  });
});

describe('symbols', () => {
  it('names the coin of a market symbol', () => {
    expect(coinOf('BTC/USDT:USDT')).toBe('BTC');
    expect(coinOf('ETH/USDT')).toBe('ETH');
    expect(coinOf('DOGE')).toBe('DOGE');
  });
});
