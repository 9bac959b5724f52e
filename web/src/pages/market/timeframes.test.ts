import { describe, expect, it } from 'vitest';

import { decimalsOfTick, pickSymbol, pickTimeframe, timeframeOptions } from './timeframes';

const series = [
  { symbol: 'BTC/USDT:USDT', dataset: 'candles', timeframe: '1h' },
  { symbol: 'BTC/USDT:USDT', dataset: 'funding', timeframe: 'funding' },
  { symbol: 'BTC/USDT', dataset: 'candles', timeframe: '4h' },
  { symbol: 'BTC/USDT', dataset: 'candles', timeframe: '1h' },
];

describe('timeframeOptions', () => {
  it('offers the stored timeframes and the longer ones the API resamples', () => {
    const options = timeframeOptions(series, 'BTC/USDT:USDT');
    expect(options.map((option) => option.value)).toEqual(['1h', '2h', '4h', '8h', '12h', '1d']);
    expect(options.filter((option) => option.stored).map((option) => option.value)).toEqual(['1h']);
  });

  it('marks every stored timeframe of a symbol as stored', () => {
    const stored = timeframeOptions(series, 'BTC/USDT').filter((option) => option.stored);
    expect(stored.map((option) => option.value)).toEqual(['1h', '4h']);
  });

  it('offers nothing for a symbol without candles', () => {
    expect(timeframeOptions(series, 'ETH/USDT:USDT')).toEqual([]);
  });
});

describe('picking', () => {
  it('keeps a stored symbol asked for, else BTC perpetual, else the first', () => {
    expect(pickSymbol(['ETH/USDT:USDT', 'BTC/USDT:USDT'], 'ETH/USDT:USDT')).toBe('ETH/USDT:USDT');
    expect(pickSymbol(['ETH/USDT:USDT', 'BTC/USDT:USDT'], 'NOPE')).toBe('BTC/USDT:USDT');
    expect(pickSymbol(['ETH/USDT'], null)).toBe('ETH/USDT');
    expect(pickSymbol([], null)).toBeNull();
  });

  it('keeps an offered timeframe asked for, else 1h, else the first stored', () => {
    const options = timeframeOptions(series, 'BTC/USDT');
    expect(pickTimeframe(options, '4h')).toBe('4h');
    expect(pickTimeframe(options, '3h')).toBe('1h');
    expect(pickTimeframe([{ value: '4h', stored: true }, { value: '1d', stored: false }], null)).toBe('4h');
    expect(pickTimeframe([], null)).toBeNull();
  });
});

describe('decimalsOfTick', () => {
  it('prints as many decimals as the tick has', () => {
    expect(decimalsOfTick(0.1)).toBe(1);
    expect(decimalsOfTick(0.01)).toBe(2);
    expect(decimalsOfTick(0.00001)).toBe(5);
    expect(decimalsOfTick(1)).toBe(0);
    expect(decimalsOfTick(undefined)).toBe(2);
  });
});
