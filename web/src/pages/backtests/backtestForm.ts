// The configuration panel's state (what the inputs hold, as text) and its mapping to the
// API's BacktestRequest, with a message per field the API would refuse.
import type { Schemas } from '../../api/client';

export type ParamInfo = Schemas['ParamOut'];
export type StrategyInfo = Schemas['StrategyOut'];
export type BacktestRequest = Schemas['BacktestRequest'];


/** What every run and sweep shares: the market, the window and the account. */
export interface MarketForm {
  strategy: string;
  symbol: string;
  timeframe: string;
  start: string; // YYYY-MM-DD, UTC
  end: string; // YYYY-MM-DD, UTC, exclusive
  capital: string;
  feePct: string; // per fill, in percent; empty: the instrument's own fee
  slippageBps: string;
  leverage: string;
}

export interface BacktestForm extends MarketForm {
  stopLossPct: string; // empty: none
  takeProfitPct: string;
  params: Record<string, string | boolean>;
}

export type FormErrors = Partial<Record<string, string>>;

export function defaultParams(strategy: StrategyInfo | undefined): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (const param of strategy?.params ?? []) {
    values[param.name] = param.type === 'bool' ? Boolean(param.default) : String(param.default);
  }
  return values;
}

export function emptyBacktestForm(strategy?: StrategyInfo): BacktestForm {
  return {
    strategy: strategy?.name ?? 'ema_trend',
    symbol: 'BTC/USDT:USDT',
    timeframe: '1h',
    start: '2025-01-01',
    end: '2025-04-01',
    capital: '10000',
    feePct: '0.05',
    slippageBps: '2',
    leverage: '1',
    stopLossPct: '',
    takeProfitPct: '',
    params: defaultParams(strategy),
  };
}

/** A percentage as a fraction without binary noise (0.07 % → 0.0007, not 0.0007000000000000001). */
export function fraction(percent: number): number {
  return Number((percent / 100).toPrecision(12));
}

type Parsed<T> = { value: T } | { error: string };

function number(text: string, label: string, check: (n: number) => string | null): Parsed<number> {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value)) return { error: `${label} must be a number` };
  const problem = check(value);
  return problem ? { error: problem } : { value };
}

function optionalPct(text: string, label: string): Parsed<number | null> {
  if (text.trim() === '') return { value: null };
  const parsed = number(text, label, (n) => (n > 0 && n < 100 ? null : `${label} must be above 0 and below 100 %`));
  return 'error' in parsed ? parsed : { value: fraction(parsed.value) };
}

/** One strategy parameter from its input: a whole number, a number or a flag, by its type. */
export function paramValue(param: ParamInfo, raw: string | boolean | undefined): Parsed<number | boolean> {
  if (param.type === 'bool') return { value: raw === undefined ? Boolean(param.default) : raw === true || raw === 'true' };
  const text = raw === undefined ? String(param.default) : String(raw);
  const parsed = number(text, param.name, () => null);
  if ('error' in parsed) return parsed;
  if (param.type === 'int' && !Number.isInteger(parsed.value)) return { error: `${param.name} must be a whole number` };
  return parsed;
}

/** The window, capital, fees and leverage every run and sweep shares, or the fields' errors. */
export function marketFields(form: MarketForm, errors: FormErrors) {
  const pick = <T,>(key: string, parsed: Parsed<T>): T | undefined => {
    if ('error' in parsed) {
      errors[key] = parsed.error;
      return undefined;
    }
    return parsed.value;
  };
  if (!form.symbol) errors.symbol = 'Pick a symbol';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(form.start)) errors.start = 'Give a start date';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(form.end)) errors.end = 'Give an end date';
  else if (!errors.start && form.end <= form.start) errors.end = 'The end must be after the start';
  const capital = pick('capital', number(form.capital, 'Capital', (n) => (n > 0 ? null : 'Capital must be above 0')));
  const fee =
    form.feePct.trim() === ''
      ? null
      : pick('feePct', number(form.feePct, 'Fee', (n) => (n >= 0 && n < 10 ? null : 'Fee must be from 0 to below 10 %')));
  const slippage = pick('slippageBps', number(form.slippageBps, 'Slippage', (n) => (n >= 0 && n < 1000 ? null : 'Slippage must be from 0 to below 1000 bps')));
  const leverage = pick('leverage', number(form.leverage, 'Leverage', (n) => (n >= 1 && n <= 125 ? null : 'Leverage must be from 1 to 125')));
  return {
    strategy: form.strategy as BacktestRequest['strategy'],
    timeframe: form.timeframe as NonNullable<BacktestRequest['timeframe']>,
    start: form.start,
    end: form.end,
    capital: capital ?? 0,
    fee_rate: fee === null || fee === undefined ? null : fraction(fee),
    slippage_bps: slippage ?? 0,
    leverage: leverage ?? 1,
    exchange: 'binance',
  };
}

/** The request the form describes, or the message of each field that is wrong. */
export function toBacktestRequest(
  form: BacktestForm,
  strategy: StrategyInfo | undefined,
): { request: BacktestRequest; errors?: undefined } | { request?: undefined; errors: FormErrors } {
  const errors: FormErrors = {};
  const shared = marketFields(form, errors);
  const stopLoss = optionalPct(form.stopLossPct, 'Stop-loss');
  const takeProfit = optionalPct(form.takeProfitPct, 'Take-profit');
  if ('error' in stopLoss) errors.stopLossPct = stopLoss.error;
  if ('error' in takeProfit) errors.takeProfitPct = takeProfit.error;
  if (!strategy) errors.strategy = 'Pick a strategy';
  const params: Record<string, number | boolean> = {};
  for (const param of strategy?.params ?? []) {
    const parsed = paramValue(param, form.params[param.name]);
    if ('error' in parsed) errors[`param.${param.name}`] = parsed.error;
    else params[param.name] = parsed.value;
  }
  if (Object.keys(errors).length > 0) return { errors };
  return {
    request: {
      ...shared,
      symbol: form.symbol,
      stop_loss: 'value' in stopLoss ? stopLoss.value : null,
      take_profit: 'value' in takeProfit ? takeProfit.value : null,
      params,
    },
  };
}

/** The form that reruns a stored backtest's configuration (to tweak and run again). */
export function formFromConfig(config: Record<string, unknown>, strategy: StrategyInfo | undefined): BacktestForm {
  const base = emptyBacktestForm(strategy);
  const text = (value: unknown) => (typeof value === 'number' ? String(value) : '');
  const pctText = (value: unknown) => (typeof value === 'number' ? String(Number((value * 100).toPrecision(12))) : '');
  const given = (config.params ?? {}) as Record<string, string>;
  const params = { ...base.params };
  for (const param of strategy?.params ?? []) {
    const value = given[param.name];
    if (value !== undefined) params[param.name] = param.type === 'bool' ? value === 'true' : value;
  }
  const symbols = Array.isArray(config.symbols) ? (config.symbols as string[]) : [];
  return {
    ...base,
    symbol: symbols[0] ?? base.symbol,
    timeframe: typeof config.timeframe === 'string' ? config.timeframe : base.timeframe,
    start: typeof config.start === 'string' ? config.start.slice(0, 10) : base.start,
    end: typeof config.end === 'string' ? config.end.slice(0, 10) : base.end,
    capital: text(config.capital) || base.capital,
    feePct: pctText(config.fee_rate),
    slippageBps: text(config.slippage_bps) || '0',
    leverage: text(config.leverage) || '1',
    stopLossPct: pctText(config.stop_loss),
    takeProfitPct: pctText(config.take_profit),
    params,
  };
}
