// The "create a season" form as plain data: its defaults (those of `arena season create`),
// what is obviously wrong with it, and the SeasonCreate body it becomes. The API judges the
// rest (unknown symbols, data that does not cover the window...) and its message is shown.
import type { Schemas } from '../../api/client';

export const MODES = ['replay', 'paper', 'live'] as const;

/** What a live season must cap: checked before any order reaches an exchange. */
export const LIVE_LIMITS = ['max_position_notional', 'max_total_exposure', 'daily_loss_limit'] as const;

/** The numeric risk limits a season accepts (risk/limits.py), with what each one means. */
export const RISK_LIMITS = [
  { name: 'max_leverage', label: 'Max leverage', hint: '≥ 1 (default 10)' },
  { name: 'max_position_notional', label: 'Max position notional (USD)', hint: '> 0, per symbol' },
  { name: 'max_total_exposure', label: 'Max total exposure (× equity)', hint: '> 0' },
  { name: 'min_confidence', label: 'Min confidence', hint: '0 … 1' },
  { name: 'daily_loss_limit', label: 'Daily loss limit (fraction)', hint: '0 … 1' },
] as const;
export type RiskName = (typeof RISK_LIMITS)[number]['name'];

/** Named defaults under the limits (seasons/profile.py); '' leaves the server's own. */
export const RISK_PRESETS = [
  { name: '', label: 'None (the server’s defaults)' },
  { name: 'conservative', label: 'Conservative: 3x, confidence ≥ 0.6, 20,000 per position' },
] as const;

/** Accounts whose exchange trades another's stored market (services/live_trading.py). */
const MARKET_OF: Record<string, string> = { binanceusdm: 'binance' };

/** The accounts a live season following ``exchange``'s market may bind (the API refuses others). */
export function accountsFor<T extends { exchange: string }>(exchange: string, accounts: readonly T[]): T[] {
  return accounts.filter((account) => (MARKET_OF[account.exchange] ?? account.exchange) === exchange);
}

export interface SeasonForm {
  name: string;
  mode: string;
  exchange: string;
  symbols: string[];
  timeframe: string;
  /** UTC, as `arena season create` takes it: "2025-12-01", "2025-12-01 06:00" or "2025-12-01T06:00". */
  start: string;
  end: string;
  capital: string;
  /** Empty: each instrument's own fee. */
  feeRate: string;
  slippageBps: string;
  decisionTimeoutS: string;
  elimination: string;
  minTrades: string;
  baselines: boolean;
  /** The memorization guard: LLM and remote agents see renamed coins, moved dates, rescaled prices. */
  anonymize: boolean;
  participants: string[];
  /** Live: the exchange account (`arena account add`) each participant trades on. */
  accounts: Record<string, string>;
  risk: Partial<Record<RiskName, string>>;
  /** A named preset the limits above override ('' for none). */
  riskPreset: string;
  /** isolated: each position on its own margin; cross: the account's equity backs them all. */
  marginMode: Schemas['SeasonCreate']['margin_mode'];
  /** net: one position per coin; long_short (hedge mode): a long and a short at once. */
  positionMode: Schemas['SeasonCreate']['position_mode'];
}

export function emptySeasonForm(): SeasonForm {
  return {
    name: '', mode: 'replay', exchange: 'binance', symbols: [], timeframe: '1h', start: '', end: '',
    capital: '10000', feeRate: '', slippageBps: '2', decisionTimeoutS: '60', elimination: '0',
    minTrades: '10', baselines: true, anonymize: false, participants: [], accounts: {}, risk: {},
    riskPreset: '', marginMode: 'isolated', positionMode: 'net',
  };
}

export type SeasonFormErrors = Partial<Record<keyof SeasonForm | `risk.${RiskName}`, string>>;

const TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$/;

/** Epoch ms of a form time read as UTC, or NaN. */
export function formTimeMs(text: string): number {
  const value = text.trim().replace(' ', 'T');
  if (!TIME.test(value)) return Number.NaN;
  return Date.parse(value.length === 10 ? `${value}T00:00:00Z` : `${value}Z`);
}

function toNumber(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

/** What is obviously wrong, by field; empty when the form may be sent. */
export function validateSeasonForm(form: SeasonForm): SeasonFormErrors {
  const errors: SeasonFormErrors = {};
  const check = (field: keyof SeasonFormErrors, ok: boolean, message: string) => {
    if (!ok && !errors[field]) errors[field] = message;
  };
  check('name', form.name.trim().length > 0, 'Give the season a name.');
  check('name', form.name.trim().length <= 128, 'At most 128 characters.');
  check('symbols', form.symbols.length > 0, 'Pick at least one coin.');
  const start = formTimeMs(form.start);
  const end = formTimeMs(form.end);
  check('start', !Number.isNaN(start), 'Give a start time (UTC).');
  check('end', !Number.isNaN(end), 'Give an end time (UTC).');
  if (!Number.isNaN(start) && !Number.isNaN(end)) check('end', end > start, 'The end must come after the start.');
  const capital = toNumber(form.capital);
  check('capital', Number.isFinite(capital) && capital > 0, 'Capital must be a number above 0.');
  if (form.feeRate.trim() !== '') {
    const fee = toNumber(form.feeRate);
    check('feeRate', Number.isFinite(fee) && fee >= 0 && fee < 0.1, 'A fraction from 0 to 0.1, e.g. 0.0005 (or empty).');
  }
  const slippage = toNumber(form.slippageBps);
  check('slippageBps', Number.isFinite(slippage) && slippage >= 0 && slippage < 1000, 'Basis points from 0 to 1000.');
  const timeout = toNumber(form.decisionTimeoutS);
  check('decisionTimeoutS', Number.isFinite(timeout) && timeout > 0 && timeout <= 3600, 'Seconds, above 0 and at most 3600.');
  const elimination = toNumber(form.elimination);
  check('elimination', Number.isFinite(elimination) && elimination >= 0 && elimination < 1, 'A fraction from 0 up to (not including) 1.');
  const minTrades = toNumber(form.minTrades);
  check('minTrades', Number.isInteger(minTrades) && minTrades >= 0, 'A whole number, 0 or more.');
  for (const { name } of RISK_LIMITS) {
    const text = form.risk[name]?.trim() ?? '';
    if (text !== '') check(`risk.${name}`, Number.isFinite(Number(text)), 'A number (or empty: no limit).');
  }
  check('participants', form.participants.length > 0 || form.baselines, 'Pick an agent or keep the baselines.');
  if (form.mode === 'live') {
    check('baselines', !form.baselines, 'A live season has no baselines: they would need exchange accounts too.');
    check('participants', form.participants.length > 0, 'Pick the agents that will trade.');
    const bound = form.participants.map((name) => form.accounts[name] ?? '');
    check('accounts', bound.every((account) => account !== ''), 'Pick an exchange account for every agent.');
    check('accounts', new Set(bound).size === bound.length, 'Each agent needs its own account.');
    for (const name of LIVE_LIMITS) {
      check(`risk.${name}`, (form.risk[name]?.trim() ?? '') !== '', 'Required for a live season.');
    }
  }
  return errors;
}

/** The form as the API's SeasonCreate body (call after validateSeasonForm found nothing). */
export function toSeasonCreate(form: SeasonForm): Schemas['SeasonCreate'] {
  const risk: Record<string, number> = {};
  for (const { name } of RISK_LIMITS) {
    const text = form.risk[name]?.trim() ?? '';
    if (text !== '') risk[name] = Number(text);
  }
  const iso = (text: string) => new Date(formTimeMs(text)).toISOString().replace('.000Z', 'Z');
  return {
    name: form.name.trim(),
    mode: form.mode,
    exchange: form.exchange,
    symbols: [...form.symbols],
    timeframe: form.timeframe,
    start: iso(form.start),
    end: iso(form.end),
    capital: Number(form.capital),
    fee_rate: form.feeRate.trim() === '' ? null : Number(form.feeRate),
    slippage_bps: Number(form.slippageBps),
    decision_timeout_s: Number(form.decisionTimeoutS),
    elimination_threshold: Number(form.elimination),
    min_trades: Number(form.minTrades),
    baselines: form.baselines,
    anonymize: form.anonymize,
    participants: [...form.participants],
    accounts: form.mode === 'live' ? Object.fromEntries(form.participants.map((name) => [name, form.accounts[name] ?? ''])) : {},
    risk,
    risk_preset: form.riskPreset === '' ? null : form.riskPreset,
    margin_mode: form.marginMode,
    position_mode: form.positionMode,
  };
}

/**
 * The window every chosen symbol has stored candles for at this timeframe (a replay must fit
 * in it), or null when one of them has none.
 */
export function commonCoverage(
  coverage: Schemas['SeriesCoverage'][],
  symbols: string[],
  timeframe: string,
): { first: number; last: number } | null {
  if (symbols.length === 0) return null;
  let first = -Infinity;
  let last = Infinity;
  for (const symbol of symbols) {
    const series = coverage.find(
      (item) => item.symbol === symbol && item.dataset === 'candles' && item.timeframe === timeframe,
    );
    if (!series) return null;
    first = Math.max(first, series.ts_first);
    last = Math.min(last, series.ts_last);
  }
  return first <= last ? { first, last } : null;
}
