// The inputs every run and sweep shares: strategy, symbol, timeframe, window and account.
import type { Schemas } from '../../api/client';
import { TIMEFRAMES } from '../../lib/timeframes';
import { type FormErrors, type MarketForm, type StrategyInfo } from './backtestForm';
import { Field } from './Field';

export function MarketFields<F extends MarketForm>({
  form,
  errors,
  strategies,
  instruments,
  onChange,
  onStrategy,
}: {
  form: F;
  errors: FormErrors;
  strategies: readonly StrategyInfo[];
  instruments: readonly Schemas['Instrument'][];
  onChange: (key: keyof MarketForm, value: string) => void;
  onStrategy: (strategy: StrategyInfo | undefined) => void;
}) {
  const chosen = strategies.find((s) => s.name === form.strategy);
  const symbols = instruments;
  return (
    <>
      <Field label="Strategy" error={errors.strategy} hint={chosen?.summary}>
        <select value={form.strategy} onChange={(e) => onStrategy(strategies.find((s) => s.name === e.target.value))} data-testid="field-strategy">
          {strategies.map((s) => (
            <option key={s.name} value={s.name} disabled={!s.enabled}>
              {s.enabled ? s.name : `${s.name} (disabled)`}
            </option>
          ))}
        </select>
      </Field>
      {chosen && <p className="muted bt-summary">{chosen.summary}</p>}
      <div className="bt-form-grid">
        <Field label="Symbol" error={errors.symbol}>
          <select value={form.symbol} onChange={(e) => onChange('symbol', e.target.value)} data-testid="field-symbol">
            {symbols.length === 0 && <option value="">No instruments stored</option>}
            {symbols.map((i) => (
              <option key={`${i.exchange}-${i.symbol}`} value={i.symbol}>
                {i.symbol}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Timeframe">
          <select value={form.timeframe} onChange={(e) => onChange('timeframe', e.target.value)} data-testid="field-timeframe">
            {TIMEFRAMES.map((tf) => (
              <option key={tf}>{tf}</option>
            ))}
          </select>
        </Field>
        <Field label="Start (UTC)" error={errors.start}>
          <input type="date" value={form.start} onChange={(e) => onChange('start', e.target.value)} data-testid="field-start" />
        </Field>
        <Field label="End (UTC, exclusive)" error={errors.end}>
          <input type="date" value={form.end} onChange={(e) => onChange('end', e.target.value)} data-testid="field-end" />
        </Field>
        <Field label="Capital (USDT)" error={errors.capital}>
          <input inputMode="decimal" value={form.capital} onChange={(e) => onChange('capital', e.target.value)} data-testid="field-capital" />
        </Field>
        <Field label="Fee per fill (%)" error={errors.feePct} hint="Empty: each instrument's own taker fee">
          <input inputMode="decimal" value={form.feePct} placeholder="instrument's" onChange={(e) => onChange('feePct', e.target.value)} data-testid="field-fee" />
        </Field>
        <Field label="Slippage (bps)" error={errors.slippageBps}>
          <input inputMode="decimal" value={form.slippageBps} onChange={(e) => onChange('slippageBps', e.target.value)} data-testid="field-slippage" />
        </Field>
        <Field label="Leverage" error={errors.leverage}>
          <input inputMode="decimal" value={form.leverage} onChange={(e) => onChange('leverage', e.target.value)} data-testid="field-leverage" />
        </Field>
      </div>
    </>
  );
}
