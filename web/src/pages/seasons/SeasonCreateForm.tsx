// Create a season from the registered agents, with every option of `arena season create`.
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';

import { api, unwrap, type Schemas } from '../../api/client';
import { instrumentsQuery } from '../../api/queries';
import { ErrorState, Skeleton } from '../../components/States';
import { useTokenWrite, WriteError } from '../../components/useTokenWrite';
import { utc } from '../../lib/format';
import { TIMEFRAMES } from '../../lib/timeframes';
import { describeAgent } from '../agents/agentForm';
import { agentListQuery } from '../agents/agentQueries';
import { Field } from '../agents/Field';
import { accountListQuery, coverageQuery, SEASONS_KEY } from './seasonQueries';
import {
  accountsFor,
  commonCoverage,
  emptySeasonForm,
  MODES,
  RISK_LIMITS,
  RISK_PRESETS,
  toSeasonCreate,
  validateSeasonForm,
  type SeasonForm,
  type SeasonFormErrors,
} from './seasonForm';

const DAY_MS = 86_400_000;

/** A form time ("2025-12-01 06:00", UTC) for an epoch ms. */
function inputTime(ms: number): string {
  return utc(ms);
}

export function SeasonCreateForm({ onCreated, onClose }: { onCreated: (season: Schemas['SeasonOut']) => void; onClose: () => void }) {
  const [form, setForm] = useState<SeasonForm>(emptySeasonForm);
  const [errors, setErrors] = useState<SeasonFormErrors>({});
  const instruments = useQuery(instrumentsQuery);
  const agents = useQuery(agentListQuery);
  const coverage = useQuery(coverageQuery(form.exchange, form.timeframe));
  const live = form.mode === 'live';
  const accounts = useQuery({ ...accountListQuery, enabled: live });
  const usable = accountsFor(form.exchange, accounts.data?.items ?? []);
  const create = useTokenWrite(
    async (body: Schemas['SeasonCreate']) => unwrap(await api.POST('/api/v1/seasons', { body })),
    { invalidate: [SEASONS_KEY], onSuccess: (season) => onCreated(season) },
  );

  const set = <K extends keyof SeasonForm>(key: K, value: SeasonForm[K]) => setForm((old) => ({ ...old, [key]: value }));
  const toggle = (key: 'symbols' | 'participants', value: string, on: boolean) =>
    setForm((old) => ({ ...old, [key]: on ? [...old[key], value] : old[key].filter((item) => item !== value) }));

  const exchanges = useMemo(() => [...new Set(instruments.data?.items.map((i) => i.exchange) ?? [])], [instruments.data]);
  const markets = instruments.data?.items.filter((i) => i.exchange === form.exchange) ?? [];
  const perpetuals = markets.filter((i) => i.market_type !== 'spot');
  const spot = markets.filter((i) => i.market_type === 'spot');
  const enabledAgents = agents.data?.items.filter((a) => a.enabled) ?? [];
  const hiddenAgents = (agents.data?.items.length ?? 0) - enabledAgents.length;
  const covered = coverage.data ? commonCoverage(coverage.data.items, form.symbols, form.timeframe) : null;

  const fillWindow = (days: number) => {
    if (!covered) return;
    const end = covered.last; // the last stored bar's open: a window ending there is covered
    setForm((old) => ({ ...old, start: inputTime(Math.max(covered.first, end - days * DAY_MS)), end: inputTime(end) }));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateSeasonForm(form);
    setErrors(found);
    if (Object.keys(found).length === 0) create.mutate(toSeasonCreate(form));
  };

  if (instruments.isPending || agents.isPending) return <Skeleton rows={6} label="Loading the form" />;
  if (instruments.error || agents.error) return <ErrorState error={instruments.error ?? agents.error} />;

  const symbolBox = (item: Schemas['Instrument'], label: string) => (
    <label key={item.symbol} title={item.symbol}>
      <input
        type="checkbox"
        checked={form.symbols.includes(item.symbol)}
        onChange={(e) => toggle('symbols', item.symbol, e.target.checked)}
        data-testid={`symbol-${item.symbol}`}
      />
      {label}
    </label>
  );

  return (
    <form className="panel manage-stack" onSubmit={submit} noValidate aria-labelledby="create-title" data-testid="season-create-form">
      <div className="manage-head">
        <h2 id="create-title">New season</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <div className="form-grid">
        <Field label="Name" error={errors.name}>
          <input value={form.name} onChange={(e) => set('name', e.target.value)} placeholder="spring-2025" />
        </Field>
        <Field label="Mode" hint="replay: a past window, as fast as it goes; paper: live data, simulated fills; live: real orders on exchange accounts">
          <select value={form.mode} onChange={(e) => set('mode', e.target.value)}>
            {MODES.map((mode) => (
              <option key={mode}>{mode}</option>
            ))}
          </select>
        </Field>
        <Field label="Exchange">
          <select value={form.exchange} onChange={(e) => setForm((old) => ({ ...old, exchange: e.target.value, symbols: [] }))}>
            {(exchanges.length ? exchanges : [form.exchange]).map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </Field>
        <Field label="Timeframe" hint="One decision a bar">
          <select value={form.timeframe} onChange={(e) => set('timeframe', e.target.value)}>
            {TIMEFRAMES.map((tf) => (
              <option key={tf}>{tf}</option>
            ))}
          </select>
        </Field>
      </div>

      <fieldset aria-describedby="symbols-error">
        <legend>Coins</legend>
        {markets.length === 0 ? (
          <p className="muted">No instruments stored for {form.exchange}: load data first (`arena data load-sample`).</p>
        ) : (
          <div className="checks" data-testid="symbol-checks">
            {perpetuals.map((item) => symbolBox(item, `${item.base} perp`))}
            {spot.map((item) => symbolBox(item, `${item.base} spot`))}
          </div>
        )}
        {errors.symbols && (
          <span id="symbols-error" className="field-error">
            {errors.symbols}
          </span>
        )}
      </fieldset>

      <div className="form-grid">
        <Field label="Start (UTC)" error={errors.start}>
          <input value={form.start} placeholder="2025-01-01 or 2025-01-01 12:00" onChange={(e) => set('start', e.target.value)} />
        </Field>
        <Field label="End (UTC, exclusive)" error={errors.end}>
          <input value={form.end} placeholder="2025-04-01" onChange={(e) => set('end', e.target.value)} />
        </Field>
        <div className="field wide" data-testid="coverage-hint">
          {covered ? (
            <span className="muted small">
              Stored {form.timeframe} candles of every chosen coin: {utc(covered.first)} → {utc(covered.last)} UTC. Use the last{' '}
              <button type="button" onClick={() => fillWindow(2)}>
                2 days
              </button>{' '}
              <button type="button" onClick={() => fillWindow(30)}>
                30 days
              </button>
            </span>
          ) : (
            <span className="muted small">
              {form.symbols.length === 0
                ? 'Pick coins to see the stored data window.'
                : coverage.isPending
                  ? 'Reading the stored data window…'
                  : `Not every chosen coin has stored ${form.timeframe} candles on ${form.exchange}.`}
            </span>
          )}
        </div>
      </div>

      <fieldset>
        <legend>Agents</legend>
        {enabledAgents.length === 0 ? (
          <p className="muted">No enabled agents: register one on the Agents page (or keep only the baselines).</p>
        ) : (
          <div className="checks list" data-testid="agent-checks">
            {enabledAgents.map((agent) => (
              <label key={agent.name}>
                <input
                  type="checkbox"
                  checked={form.participants.includes(agent.name)}
                  onChange={(e) => toggle('participants', agent.name, e.target.checked)}
                  data-testid={`agent-${agent.name}`}
                />
                <strong>{agent.name}</strong> <span className="muted small">{describeAgent(agent.kind, agent.config)}</span>
              </label>
            ))}
          </div>
        )}
        {hiddenAgents > 0 && <p className="muted small">{hiddenAgents} disabled agent(s) not offered.</p>}
        <label className="check">
          <input type="checkbox" checked={form.baselines} onChange={(e) => set('baselines', e.target.checked)} />
          Add the baselines (BTC buy-and-hold, equal-weight buy-and-hold)
        </label>
        {errors.baselines && <span className="field-error">{errors.baselines}</span>}
        <label className="check" title="LLM and remote agents see the coins as COIN-A…, the dates moved centuries ahead and every price rescaled by a secret factor; the engine trades the real market">
          <input type="checkbox" checked={form.anonymize} onChange={(e) => set('anonymize', e.target.checked)} data-testid="season-anonymize" />
          Anonymized tape (memorization guard): coins, dates and prices disguised for LLM and remote agents
        </label>
        {errors.participants && <span className="field-error">{errors.participants}</span>}
      </fieldset>

      {live && (
        <fieldset data-testid="live-accounts">
          <legend>Exchange accounts</legend>
          <p className="warn small">
            A live season sends real orders to these accounts (testnet or demo unless an account was added with --mainnet), once the
            server runs with ARENA_TRADING_ENABLED=true. Each agent trades its own account.
          </p>
          {accounts.error ? (
            <ErrorState error={accounts.error} />
          ) : usable.length === 0 ? (
            <p className="muted">
              {accounts.isPending
                ? 'Reading the accounts…'
                : `No exchange account trades ${form.exchange}'s market: add one with \`arena account add NAME --exchange ${form.exchange === 'binance' ? 'binanceusdm' : form.exchange}\`.`}
            </p>
          ) : form.participants.length === 0 ? (
            <p className="muted">Pick the agents above, then an account for each.</p>
          ) : (
            <div className="form-grid">
              {form.participants.map((name) => (
                <Field key={name} label={name}>
                  <select
                    value={form.accounts[name] ?? ''}
                    onChange={(e) => setForm((old) => ({ ...old, accounts: { ...old.accounts, [name]: e.target.value } }))}
                    data-testid={`account-for-${name}`}
                  >
                    <option value="">choose…</option>
                    {usable.map((account) => (
                      <option key={account.name} value={account.name}>
                        {account.name} ({account.exchange}, {account.mode})
                      </option>
                    ))}
                  </select>
                </Field>
              ))}
            </div>
          )}
          {errors.accounts && <span className="field-error">{errors.accounts}</span>}
        </fieldset>
      )}

      <fieldset>
        <legend>Money and rules</legend>
        <div className="form-grid">
          <Field label="Capital per entry (USD)" error={errors.capital}>
            <input inputMode="decimal" value={form.capital} onChange={(e) => set('capital', e.target.value)} />
          </Field>
          <Field label="Fee rate (fraction)" hint="Empty: each instrument's own" error={errors.feeRate}>
            <input inputMode="decimal" value={form.feeRate} placeholder="e.g. 0.0005" onChange={(e) => set('feeRate', e.target.value)} />
          </Field>
          <Field label="Slippage (bps)" error={errors.slippageBps}>
            <input inputMode="decimal" value={form.slippageBps} onChange={(e) => set('slippageBps', e.target.value)} />
          </Field>
          <Field label="Decision timeout (s)" hint="Per tick deadline" error={errors.decisionTimeoutS}>
            <input inputMode="decimal" value={form.decisionTimeoutS} onChange={(e) => set('decisionTimeoutS', e.target.value)} />
          </Field>
          <Field label="Elimination (fraction of capital)" hint="0: only when all is lost" error={errors.elimination}>
            <input inputMode="decimal" value={form.elimination} onChange={(e) => set('elimination', e.target.value)} />
          </Field>
          <Field label="Min trades" hint="Fewer are flagged on the leaderboard" error={errors.minTrades}>
            <input inputMode="numeric" value={form.minTrades} onChange={(e) => set('minTrades', e.target.value)} />
          </Field>
          <Field label="Margin" hint="Cross: the whole account backs every position">
            <select value={form.marginMode} onChange={(e) => set('marginMode', e.target.value as SeasonForm['marginMode'])} data-testid="season-margin-mode">
              <option value="isolated">Isolated</option>
              <option value="cross">Cross</option>
            </select>
          </Field>
          <Field label="Positions" hint="Long and short: both sides of a coin at once">
            <select value={form.positionMode} onChange={(e) => set('positionMode', e.target.value as SeasonForm['positionMode'])} data-testid="season-position-mode">
              <option value="net">Net</option>
              <option value="long_short">Long and short</option>
            </select>
          </Field>
        </div>
      </fieldset>

      <fieldset>
        <legend>Risk limits (empty: the default)</legend>
        <div className="form-grid">
          <Field label="Preset" hint="Limits below override it">
            <select value={form.riskPreset} onChange={(e) => set('riskPreset', e.target.value)} data-testid="season-risk-preset">
              {RISK_PRESETS.map((preset) => (
                <option key={preset.name} value={preset.name}>{preset.label}</option>
              ))}
            </select>
          </Field>
          {RISK_LIMITS.map((limit) => (
            <Field key={limit.name} label={limit.label} hint={limit.hint} error={errors[`risk.${limit.name}`]}>
              <input
                inputMode="decimal"
                value={form.risk[limit.name] ?? ''}
                onChange={(e) => setForm((old) => ({ ...old, risk: { ...old.risk, [limit.name]: e.target.value } }))}
              />
            </Field>
          ))}
        </div>
      </fieldset>

      {Object.keys(errors).length > 0 && (
        <div className="notice error" role="alert" data-testid="form-errors">
          Fix the marked fields: {Object.values(errors).length} problem(s).
        </div>
      )}
      <WriteError error={create.error} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={create.isPending} data-testid="create-season">
          {create.isPending ? 'Creating…' : 'Create season'}
        </button>
        <span className="muted small">Created as a draft; start it from the list.</span>
      </div>
    </form>
  );
}
