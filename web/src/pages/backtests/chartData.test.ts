import { describe, expect, it } from 'vitest';

import { displayTimeframe, LABELLED_TRADES, tradeMarkers } from './chartData';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('displayTimeframe', () => {
  it("keeps the run's timeframe while its bars fit one request, else a longer one", () => {
    expect(displayTimeframe('1h', 90 * DAY)).toBe('1h');
    expect(displayTimeframe('1h', 365 * DAY)).toBe('2h');
    expect(displayTimeframe('1h', 3 * 365 * DAY)).toBe('8h');
    expect(displayTimeframe('1d', 30 * 365 * DAY)).toBe('1d');
  });
});

describe('tradeMarkers', () => {
  const trade = (side: string, entry: number, exit: number, pnl: number, symbol = 'BTC/USDT:USDT') => ({
    symbol, side, ts_entry: entry, ts_exit: exit, pnl,
  });

  it("marks each trade's entry and exit on the bar they fall in, for the chosen symbol only", () => {
    const markers = tradeMarkers(
      [trade('long', 2 * HOUR, 5 * HOUR + 60_000, 12), trade('short', 6 * HOUR, 8 * HOUR, -3), trade('long', 0, HOUR, 1, 'ETH/USDT:USDT')],
      'BTC/USDT:USDT',
      HOUR,
    );
    expect(markers).toEqual([
      { ts: 2 * HOUR, side: 'buy', text: 'L' },
      { ts: 5 * HOUR, side: 'sell', text: '+' },
      { ts: 6 * HOUR, side: 'sell', text: 'S' },
      { ts: 8 * HOUR, side: 'buy', text: '−' },
    ]);
  });

  it('drops the labels when there are many trades', () => {
    const many = Array.from({ length: LABELLED_TRADES + 1 }, (_, i) => trade('long', i * 2 * HOUR, (i * 2 + 1) * HOUR, 1));
    expect(tradeMarkers(many, 'BTC/USDT:USDT', HOUR).every((m) => m.text === '')).toBe(true);
  });
});
