// The sweep form: the shared market fields, then per parameter a fixed value, a range or a
// list; the combination count is checked against the server's cap before anything is sent.
import { useState, type FormEvent } from 'react';

import type { Schemas } from '../../api/client';
import type { FormErrors, ParamInfo, StrategyInfo } from './backtestForm';
import { Field } from './Field';
import { MarketFields } from './MarketFields';
import { ParamInput } from './ParamInputs';
import { combinationCount, emptySweepForm, toSweepRequest, type Axis, type AxisMode, type SweepForm as Form, type SweepRequest } from './sweepForm';

export function SweepForm({
  strategies,
  instruments,
  limits,
  running,
  onRun,
}: {
  strategies: readonly StrategyInfo[];
  instruments: readonly Schemas['Instrument'][];
  limits: Schemas['SweepLimits'];
  running: boolean;
  onRun: (request: SweepRequest) => void;
}) {
  const [form, setForm] = useState<Form>(() => emptySweepForm(strategies.find((s) => s.name === 'ema_trend') ?? strategies[0]));
  const [errors, setErrors] = useState<FormErrors>({});
  const strategy = strategies.find((s) => s.name === form.strategy);
  const count = combinationCount(form);
  const tooMany = count > limits.max_combinations;

  const setAxis = (name: string, change: Partial<Axis>) =>
    setForm((old) => ({ ...old, axes: { ...old.axes, [name]: { ...(old.axes[name] as Axis), ...change } } }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const mapped = toSweepRequest(form, strategy);
    const found = { ...(mapped.errors ?? {}) };
    if (tooMany) found.grid = `The grid has ${count} combinations; at most ${limits.max_combinations}`;
    setErrors(found);
    if (mapped.request && !tooMany) onRun(mapped.request);
  };

  return (
    <form className="panel bt-stack" onSubmit={submit} noValidate aria-labelledby="sweep-form-title" data-testid="sweep-form">
      <h2 id="sweep-form-title">New sweep</h2>
      <MarketFields
        form={form}
        errors={errors}
        strategies={strategies}
        instruments={instruments}
        onChange={(key, value) => setForm((old) => ({ ...old, [key]: value }))}
        onStrategy={(next) => setForm((old) => ({ ...emptySweepForm(next), ...pickMarket(old), strategy: next?.name ?? old.strategy }))}
      />
      <fieldset className="bt-fieldset">
        <legend>Grid of {form.strategy}</legend>
        {(strategy?.params ?? []).map((param) => (
          <AxisEditor key={param.name} param={param} axis={form.axes[param.name]} error={errors[`param.${param.name}`]} onChange={(change) => setAxis(param.name, change)} />
        ))}
        {strategy?.params.length === 0 && <p className="muted">This strategy has no parameters to sweep.</p>}
      </fieldset>
      <div className="bt-form-grid">
        <Field label="Rank by">
          <select value={form.rankBy} onChange={(e) => setForm((old) => ({ ...old, rankBy: e.target.value }))} data-testid="field-rank-by">
            {limits.rank_by.map((metric) => (
              <option key={metric}>{metric}</option>
            ))}
          </select>
        </Field>
      </div>
      <p className={tooMany ? 'loss' : 'muted'} data-testid="combination-count">
        {count} combination{count === 1 ? '' : 's'} (at most {limits.max_combinations} a request)
      </p>
      {errors.grid && (
        <div className="notice error" role="alert">
          {errors.grid}
        </div>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={running} data-testid="sweep-button">
          {running ? 'Sweeping…' : 'Run sweep'}
        </button>
      </div>
    </form>
  );
}

function pickMarket(form: Form) {
  const { symbol, timeframe, start, end, capital, feePct, slippageBps, leverage, rankBy } = form;
  return { symbol, timeframe, start, end, capital, feePct, slippageBps, leverage, rankBy };
}

const MODES: readonly { mode: AxisMode; label: string }[] = [
  { mode: 'fixed', label: 'Fixed' },
  { mode: 'range', label: 'Range' },
  { mode: 'list', label: 'List' },
];

function AxisEditor({ param, axis, error, onChange }: { param: ParamInfo; axis: Axis | undefined; error?: string; onChange: (change: Partial<Axis>) => void }) {
  const mode = axis?.mode ?? 'fixed';
  return (
    <div className="bt-axis" data-testid={`axis-${param.name}`}>
      <strong className="bt-axis-name">{param.name}</strong>
      <div className="toggle" role="group" aria-label={`How to set ${param.name}`}>
        {MODES.filter((m) => param.type !== 'bool' || m.mode !== 'range').map((m) => (
          <button key={m.mode} type="button" aria-pressed={mode === m.mode} onClick={() => onChange({ mode: m.mode })} data-testid={`axis-${param.name}-mode-${m.mode}`}>
            {m.label}
          </button>
        ))}
      </div>
      {mode === 'fixed' && <ParamInput param={param} value={axis?.value} error={error} onChange={(value) => onChange({ value })} />}
      {mode === 'range' && (
        <>
          <Field label={`${param.name} from`} error={error}>
            <input type="number" value={axis?.start ?? ''} onChange={(e) => onChange({ start: e.target.value })} data-testid={`axis-${param.name}-start`} />
          </Field>
          <Field label="to (inclusive)">
            <input type="number" value={axis?.stop ?? ''} onChange={(e) => onChange({ stop: e.target.value })} data-testid={`axis-${param.name}-stop`} />
          </Field>
          <Field label="step">
            <input type="number" value={axis?.step ?? ''} onChange={(e) => onChange({ step: e.target.value })} data-testid={`axis-${param.name}-step`} />
          </Field>
        </>
      )}
      {mode === 'list' && (
        <Field label={`${param.name} values (comma-separated)`} error={error}>
          <input value={axis?.list ?? ''} placeholder={param.type === 'bool' ? 'true, false' : `${String(param.default)}, …`} onChange={(e) => onChange({ list: e.target.value })} data-testid={`axis-${param.name}-list`} />
        </Field>
      )}
    </div>
  );
}
