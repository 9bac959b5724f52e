import { describe, expect, it } from 'vitest';

import { emptyBacktestForm, formFromConfig, fraction, toBacktestRequest, type StrategyInfo } from './backtestForm';
import { combinationCount, emptySweepForm, rangeCount, toSweepRequest } from './sweepForm';

const EMA: StrategyInfo = {
  name: 'ema_trend',
  summary: 'Follow the trend of two EMAs of the close.',
  rule: '',
  params: [
    { name: 'fast', type: 'int', default: 12 },
    { name: 'slow', type: 'int', default: 26 },
    { name: 'allow_short', type: 'bool', default: true },
  ],
  enabled: true,
};
const BANDS: StrategyInfo = {
  name: 'bollinger_range', summary: '', rule: '', params: [{ name: 'stddev', type: 'float', default: 2 }], enabled: true,
};

describe('the backtest form', () => {
  it('maps to the request the API takes: fractions from percentages, typed parameters', () => {
    const form = {
      ...emptyBacktestForm(EMA),
      start: '2025-01-01', end: '2025-03-01', capital: '5000', feePct: '0.07', slippageBps: '2.5', leverage: '3',
      stopLossPct: '5', takeProfitPct: '', params: { fast: '8', slow: '21', allow_short: false },
    };
    expect(toBacktestRequest(form, EMA)).toEqual({
      request: {
        strategy: 'ema_trend', symbol: 'BTC/USDT:USDT', timeframe: '1h', start: '2025-01-01', end: '2025-03-01',
        capital: 5000, fee_rate: 0.0007, slippage_bps: 2.5, leverage: 3, stop_loss: 0.05, take_profit: null,
        params: { fast: 8, slow: 21, allow_short: false }, exchange: 'binance',
      },
    });
  });

  it("sends no fee rate when the fee is empty (the instrument's own fees)", () => {
    const mapped = toBacktestRequest({ ...emptyBacktestForm(EMA), feePct: '' }, EMA);
    expect(mapped.request?.fee_rate).toBeNull();
    expect(mapped.request?.params).toEqual({ fast: 12, slow: 26, allow_short: true });
  });

  it('names each field that is wrong and sends nothing', () => {
    const form = {
      ...emptyBacktestForm(EMA),
      capital: '0', leverage: '200', end: '2024-12-01', stopLossPct: 'x', params: { fast: '1.5', slow: '', allow_short: true },
    };
    const mapped = toBacktestRequest(form, EMA);
    expect(mapped.request).toBeUndefined();
    expect(Object.keys(mapped.errors ?? {}).sort()).toEqual(['capital', 'end', 'leverage', 'param.fast', 'param.slow', 'stopLossPct']);
    expect(mapped.errors?.['param.fast']).toBe('fast must be a whole number');
  });

  it('reads a stored configuration back into the form', () => {
    const config = {
      strategy: 'ema_trend', symbols: ['ETH/USDT:USDT'], timeframe: '4h', start: '2025-02-01T00:00:00Z', end: '2025-05-01T00:00:00Z',
      capital: 2500, fee_rate: 0.0007, slippage_bps: 1, leverage: 2, stop_loss: null, take_profit: 0.1,
      params: { fast: '5', allow_short: 'false' }, exchange: 'binance',
    };
    const form = formFromConfig(config, EMA);
    expect(form).toMatchObject({
      symbol: 'ETH/USDT:USDT', timeframe: '4h', start: '2025-02-01', end: '2025-05-01', capital: '2500', feePct: '0.07',
      slippageBps: '1', leverage: '2', stopLossPct: '', takeProfitPct: '10', params: { fast: '5', slow: '26', allow_short: false },
    });
    expect(toBacktestRequest(form, EMA).request).toMatchObject({ fee_rate: 0.0007, take_profit: 0.1, params: { fast: 5, slow: 26, allow_short: false } });
  });

  it('turns percentages into fractions without binary noise', () => {
    expect(fraction(0.07)).toBe(0.0007);
    expect(fraction(5)).toBe(0.05);
  });
});

describe('the sweep form', () => {
  it('maps ranges and lists to the grid and the rest to fixed parameters', () => {
    const form = emptySweepForm(EMA);
    form.axes.fast = { ...form.axes.fast!, mode: 'range', start: '5', stop: '15', step: '5' };
    form.axes.slow = { ...form.axes.slow!, mode: 'list', list: '20, 30,40' };
    form.axes.allow_short = { ...form.axes.allow_short!, value: false };
    form.rankBy = 'calmar';
    expect(combinationCount(form)).toBe(9);
    expect(toSweepRequest(form, EMA)).toEqual({
      request: {
        strategy: 'ema_trend', symbol: 'BTC/USDT:USDT', timeframe: '1h', start: '2025-01-01', end: '2025-04-01',
        capital: 10000, fee_rate: 0.0005, slippage_bps: 2, leverage: 1, exchange: 'binance',
        params: { allow_short: false },
        grid: { fast: { start: 5, stop: 15, step: 5 }, slow: { values: [20, 30, 40] } },
        rank_by: 'calmar',
      },
    });
  });

  it('lists flags and fractional values as they are', () => {
    const form = emptySweepForm(EMA);
    form.axes.allow_short = { ...form.axes.allow_short!, mode: 'list', list: 'true,false' };
    expect(toSweepRequest(form, EMA).request?.grid).toEqual({ allow_short: { values: [true, false] } });
    const bands = emptySweepForm(BANDS);
    bands.axes.stddev = { ...bands.axes.stddev!, mode: 'range', start: '1.5', stop: '2.5', step: '0.5' };
    expect(combinationCount(bands)).toBe(3);
    expect(toSweepRequest(bands, BANDS).request?.grid).toEqual({ stddev: { start: 1.5, stop: 2.5, step: 0.5 } });
  });

  it('refuses a grid with nothing swept, a backwards range, or a list that is not numbers', () => {
    expect(toSweepRequest(emptySweepForm(EMA), EMA).errors).toEqual({ grid: 'Sweep at least one parameter: give it a range or a list' });
    const form = emptySweepForm(EMA);
    form.axes.fast = { ...form.axes.fast!, mode: 'range', start: '15', stop: '5', step: '5' };
    form.axes.slow = { ...form.axes.slow!, mode: 'list', list: '20, x' };
    const errors = toSweepRequest(form, EMA).errors ?? {};
    expect(Object.keys(errors).sort()).toEqual(['param.fast', 'param.slow']);
  });

  it('counts a range inclusively, as the API does', () => {
    expect(rangeCount(5, 15, 5)).toBe(3);
    expect(rangeCount(0.1, 0.3, 0.1)).toBe(3);
    expect(rangeCount(5, 4, 1)).toBe(0);
    expect(rangeCount(1, 2, 0)).toBe(0);
  });
});
