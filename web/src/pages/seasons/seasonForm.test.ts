import { describe, expect, it } from 'vitest';

import type { Schemas } from '../../api/client';
import { accountsFor, commonCoverage, emptySeasonForm, formTimeMs, toSeasonCreate, validateSeasonForm, type SeasonForm } from './seasonForm';

const filled = (changes: Partial<SeasonForm> = {}): SeasonForm => ({
  ...emptySeasonForm(),
  name: '  spring  ',
  symbols: ['BTC/USDT:USDT'],
  start: '2025-12-01T00:00',
  end: '2025-12-02',
  participants: ['ema-trend', 'momentum'],
  ...changes,
});

describe('toSeasonCreate', () => {
  it('maps the defaults to what `arena season create` sends', () => {
    expect(toSeasonCreate(filled())).toEqual({
      name: 'spring', mode: 'replay', exchange: 'binance', symbols: ['BTC/USDT:USDT'], timeframe: '1h',
      start: '2025-12-01T00:00:00Z', end: '2025-12-02T00:00:00Z', capital: 10000, fee_rate: null,
      slippage_bps: 2, decision_timeout_s: 60, elimination_threshold: 0, min_trades: 10, baselines: true, anonymize: false,
      participants: ['ema-trend', 'momentum'], accounts: {}, risk: {}, risk_preset: null,
      margin_mode: 'isolated', position_mode: 'net',
    });
  });

  it('sends every option given, numbers as numbers and only the risk limits filled in', () => {
    const body = toSeasonCreate(filled({
      mode: 'paper', timeframe: '4h', capital: '2500.5', feeRate: '0.0004', slippageBps: '5',
      decisionTimeoutS: '30', elimination: '0.5', minTrades: '3', baselines: false, anonymize: true,
      risk: { max_leverage: '5', min_confidence: ' ', daily_loss_limit: '0.1' }, riskPreset: 'conservative',
      marginMode: 'cross', positionMode: 'long_short',
    }));
    expect(body).toMatchObject({
      mode: 'paper', timeframe: '4h', capital: 2500.5, fee_rate: 0.0004, slippage_bps: 5,
      decision_timeout_s: 30, elimination_threshold: 0.5, min_trades: 3, baselines: false, anonymize: true,
      risk: { max_leverage: 5, daily_loss_limit: 0.1 }, risk_preset: 'conservative',
      margin_mode: 'cross', position_mode: 'long_short',
    });
    expect(Number.isInteger(body.min_trades)).toBe(true);
  });
});

describe('validateSeasonForm', () => {
  it('accepts a complete form', () => {
    expect(validateSeasonForm(filled())).toEqual({});
  });

  it('names each obviously wrong field', () => {
    const errors = validateSeasonForm(filled({
      name: ' ', symbols: [], start: '2025-12-02', end: '2025-12-01', capital: '0', feeRate: '0.5',
      slippageBps: '-1', decisionTimeoutS: '0', elimination: '1', minTrades: '2.5',
      risk: { max_leverage: 'lots' }, participants: [], baselines: false,
    }));
    expect(Object.keys(errors).sort()).toEqual([
      'capital', 'decisionTimeoutS', 'elimination', 'end', 'feeRate', 'minTrades', 'name',
      'participants', 'risk.max_leverage', 'slippageBps', 'symbols',
    ]);
    expect(errors.end).toMatch(/after the start/);
  });

  it('needs both times', () => {
    expect(validateSeasonForm(filled({ start: '', end: 'soon' }))).toMatchObject({
      start: expect.any(String), end: expect.any(String),
    });
  });

  it('lets baselines alone make a season', () => {
    expect(validateSeasonForm(filled({ participants: [] }))).toEqual({});
  });
});

describe('formTimeMs', () => {
  it('reads dates and times as UTC', () => {
    expect(formTimeMs('2025-01-01')).toBe(Date.UTC(2025, 0, 1));
    expect(formTimeMs('2025-01-01T12:30')).toBe(Date.UTC(2025, 0, 1, 12, 30));
    expect(formTimeMs(' 2025-01-01 12:30 ')).toBe(Date.UTC(2025, 0, 1, 12, 30));
    expect(formTimeMs('yesterday')).toBeNaN();
  });
});

describe('commonCoverage', () => {
  const series = (symbol: string, first: number, last: number, timeframe = '1h') =>
    ({ symbol, dataset: 'candles', timeframe, ts_first: first, ts_last: last }) as Schemas['SeriesCoverage'];

  it('is the window every chosen symbol covers', () => {
    const coverage = [series('A', 100, 900), series('B', 300, 700), series('C', 0, 50, '4h')];
    expect(commonCoverage(coverage, ['A', 'B'], '1h')).toEqual({ first: 300, last: 700 });
    expect(commonCoverage(coverage, ['A', 'C'], '1h')).toBeNull();
    expect(commonCoverage(coverage, [], '1h')).toBeNull();
  });
});

describe('a live season', () => {
  const live = (changes: Partial<SeasonForm> = {}): SeasonForm =>
    filled({
      mode: 'live', exchange: 'okx', baselines: false,
      accounts: { 'ema-trend': 'okx-1', momentum: 'okx-2', unused: 'okx-3' },
      risk: { max_position_notional: '2000', max_total_exposure: '3000', daily_loss_limit: '0.05' },
      ...changes,
    });

  it('binds each agent to its account, and nothing else', () => {
    expect(validateSeasonForm(live())).toEqual({});
    expect(toSeasonCreate(live()).accounts).toEqual({ 'ema-trend': 'okx-1', momentum: 'okx-2' });
    expect(toSeasonCreate(filled({ accounts: { 'ema-trend': 'okx-1' } })).accounts).toEqual({});
  });

  it("offers only the accounts on the season's market", () => {
    const listed = [
      { name: 'okx-1', exchange: 'okx' },
      { name: 'binance-1', exchange: 'binanceusdm' },
      { name: 'bybit-1', exchange: 'bybit' },
    ];
    expect(accountsFor('binance', listed).map((a) => a.name)).toEqual(['binance-1']);
    expect(accountsFor('okx', listed).map((a) => a.name)).toEqual(['okx-1']);
    expect(accountsFor('bitget', listed)).toEqual([]);
  });

  it('needs an account for every agent, each its own', () => {
    expect(validateSeasonForm(live({ accounts: { 'ema-trend': 'okx-1' } })).accounts).toBe('Pick an exchange account for every agent.');
    expect(validateSeasonForm(live({ accounts: { 'ema-trend': 'okx-1', momentum: 'okx-1' } })).accounts).toBe(
      'Each agent needs its own account.',
    );
  });

  it('has no baselines and caps its exposure', () => {
    const errors = validateSeasonForm(live({ baselines: true, risk: { max_position_notional: '2000' } }));
    expect(errors.baselines).toMatch(/no baselines/);
    expect(errors['risk.max_total_exposure']).toBe('Required for a live season.');
    expect(errors['risk.daily_loss_limit']).toBe('Required for a live season.');
    expect(errors['risk.max_position_notional']).toBeUndefined();
  });
});
