// The configuration panel: a strategy and its parameters, the market, the window and the
// account; "Run" posts the backtest (with the token) and opens the stored run.
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';

import { api, unwrap, type Schemas } from '../../api/client';
import { instrumentsQuery, strategiesQuery } from '../../api/queries';
import { ErrorState, Skeleton } from '../../components/States';
import { useTokenWrite, WriteError } from '../../components/useTokenWrite';
import { defaultParams, emptyBacktestForm, toBacktestRequest, type BacktestForm, type FormErrors, type StrategyInfo } from './backtestForm';
import { Field } from './Field';
import { MarketFields } from './MarketFields';
import { ParamInputs } from './ParamInputs';
import { BACKTESTS_KEY } from './queries';

export function RunForm({ initial }: { initial?: (strategies: readonly StrategyInfo[]) => BacktestForm }) {
  const strategies = useQuery(strategiesQuery);
  const instruments = useQuery(instrumentsQuery);
  if (strategies.isPending || instruments.isPending) return <Skeleton rows={8} label="Loading the configuration" />;
  if (strategies.error || instruments.error) return <ErrorState error={strategies.error ?? instruments.error} />;
  const list = strategies.data.items;
  const start = initial ? initial(list) : emptyBacktestForm(list.find((s) => s.name === 'ema_trend') ?? list[0]);
  return <LoadedRunForm strategies={list} instruments={instruments.data.items} initial={start} />;
}

function LoadedRunForm({
  strategies,
  instruments,
  initial,
}: {
  strategies: readonly StrategyInfo[];
  instruments: readonly Schemas['Instrument'][];
  initial: BacktestForm;
}) {
  const navigate = useNavigate();
  const [form, setForm] = useState<BacktestForm>(initial);
  const [errors, setErrors] = useState<FormErrors>({});
  const strategy = strategies.find((s) => s.name === form.strategy);
  const run = useTokenWrite(
    async (body: Schemas['BacktestRequest']) => unwrap(await api.POST('/api/v1/backtests', { body })),
    { invalidate: [BACKTESTS_KEY], onSuccess: (created) => navigate(`/backtests/${created.id}`) },
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const mapped = toBacktestRequest(form, strategy);
    setErrors(mapped.errors ?? {});
    if (mapped.request) run.mutate(mapped.request);
  };

  return (
    <form className="panel bt-stack" onSubmit={submit} noValidate aria-labelledby="run-form-title" data-testid="run-form">
      <h2 id="run-form-title">New backtest</h2>
      <MarketFields
        form={form}
        errors={errors}
        strategies={strategies}
        instruments={instruments}
        onChange={(key, value) => setForm((old) => ({ ...old, [key]: value }))}
        onStrategy={(next) => setForm((old) => ({ ...old, strategy: next?.name ?? old.strategy, params: defaultParams(next) }))}
      />
      <div className="bt-form-grid">
        <Field label="Stop-loss (% from entry)" error={errors.stopLossPct} hint="Empty: none">
          <input inputMode="decimal" value={form.stopLossPct} placeholder="none" onChange={(e) => setForm((old) => ({ ...old, stopLossPct: e.target.value }))} data-testid="field-stop-loss" />
        </Field>
        <Field label="Take-profit (% from entry)" error={errors.takeProfitPct} hint="Empty: none">
          <input inputMode="decimal" value={form.takeProfitPct} placeholder="none" onChange={(e) => setForm((old) => ({ ...old, takeProfitPct: e.target.value }))} data-testid="field-take-profit" />
        </Field>
      </div>
      <fieldset className="bt-fieldset">
        <legend>Parameters of {form.strategy}</legend>
        <ParamInputs
          params={strategy?.params ?? []}
          values={form.params}
          errors={errors}
          onChange={(name, value) => setForm((old) => ({ ...old, params: { ...old.params, [name]: value } }))}
        />
      </fieldset>
      <WriteError error={run.error} testId="run-error" />
      <div className="actions">
        <button type="submit" className="primary" disabled={run.isPending} data-testid="run-button">
          {run.isPending ? 'Running…' : 'Run'}
        </button>
      </div>
    </form>
  );
}
