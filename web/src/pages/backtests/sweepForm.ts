// The sweep form: the shared market fields plus, per strategy parameter, a fixed value, a
// range (start, stop, step; inclusive) or a list; mapped to the API's SweepRequest.
import type { Schemas } from '../../api/client';
import { emptyBacktestForm, marketFields, paramValue, type FormErrors, type MarketForm, type StrategyInfo } from './backtestForm';

export type SweepRequest = Schemas['SweepRequest'];
export type AxisMode = 'fixed' | 'range' | 'list';

export interface Axis {
  mode: AxisMode;
  value: string | boolean; // fixed
  start: string;
  stop: string;
  step: string;
  list: string; // "20, 30, 40"
}

export interface SweepForm extends MarketForm {
  axes: Record<string, Axis>;
  rankBy: string;
}

export function emptySweepForm(strategy?: StrategyInfo): SweepForm {
  const { strategy: name, symbol, timeframe, start, end, capital, feePct, slippageBps, leverage, params } = emptyBacktestForm(strategy);
  const market: MarketForm = { strategy: name, symbol, timeframe, start, end, capital, feePct, slippageBps, leverage };
  const axes: Record<string, Axis> = {};
  for (const param of strategy?.params ?? []) {
    axes[param.name] = { mode: 'fixed', value: params[param.name] ?? '', start: '', stop: '', step: '', list: '' };
  }
  return { ...market, axes, rankBy: 'sharpe' };
}

/** How many values a range holds, as the API counts them (inclusive, tolerant of rounding). */
export function rangeCount(start: number, stop: number, step: number): number {
  if (!(step > 0) || stop < start) return 0;
  return Math.floor((stop - start) / step + 1e-9) + 1;
}

function listValues(text: string, type: string): (number | boolean)[] | null {
  const parts = text.split(',').map((part) => part.trim()).filter(Boolean);
  if (parts.length === 0) return null;
  const values: (number | boolean)[] = [];
  for (const part of parts) {
    if (type === 'bool') {
      if (part !== 'true' && part !== 'false') return null;
      values.push(part === 'true');
    } else {
      const value = Number(part);
      if (!Number.isFinite(value) || (type === 'int' && !Number.isInteger(value))) return null;
      values.push(value);
    }
  }
  return values;
}

/** The combinations the form's grid makes (0 while an axis is incomplete). */
export function combinationCount(form: SweepForm): number {
  let total = 1;
  for (const axis of Object.values(form.axes)) {
    if (axis.mode === 'range') total *= rangeCount(Number(axis.start), Number(axis.stop), Number(axis.step));
    if (axis.mode === 'list') total *= axis.list.split(',').filter((part) => part.trim()).length;
  }
  return total;
}

export function toSweepRequest(
  form: SweepForm,
  strategy: StrategyInfo | undefined,
): { request: SweepRequest; errors?: undefined } | { request?: undefined; errors: FormErrors } {
  const errors: FormErrors = {};
  const shared = marketFields(form, errors);
  if (!strategy) errors.strategy = 'Pick a strategy';
  const params: Record<string, number | boolean> = {};
  const grid: SweepRequest['grid'] = {};
  for (const param of strategy?.params ?? []) {
    const axis = form.axes[param.name];
    const key = `param.${param.name}`;
    if (!axis || axis.mode === 'fixed') {
      const parsed = paramValue(param, axis?.value);
      if ('error' in parsed) errors[key] = parsed.error;
      else params[param.name] = parsed.value;
    } else if (axis.mode === 'range') {
      const [start, stop, step] = [axis.start, axis.stop, axis.step].map((text) => (text.trim() === '' ? NaN : Number(text)));
      if (![start, stop, step].every(Number.isFinite)) errors[key] = `${param.name}: give start, stop and step`;
      else if (!(step! > 0) || stop! < start!) errors[key] = `${param.name}: step must be above 0 and stop at least start`;
      else grid[param.name] = { start: start!, stop: stop!, step: step! };
    } else {
      const values = listValues(axis.list, param.type);
      if (values === null) errors[key] = `${param.name}: give values separated by commas${param.type === 'int' ? ' (whole numbers)' : ''}`;
      else grid[param.name] = { values };
    }
  }
  if (strategy && Object.keys(grid).length === 0 && !Object.keys(errors).some((key) => key.startsWith('param.'))) {
    errors.grid = 'Sweep at least one parameter: give it a range or a list';
  }
  if (Object.keys(errors).length > 0) return { errors };
  const { exchange, ...market } = shared;
  return { request: { ...market, exchange, symbol: form.symbol, params, grid, rank_by: form.rankBy as NonNullable<SweepRequest['rank_by']> } };
}
