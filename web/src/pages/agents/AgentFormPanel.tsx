// Register an agent, or change one's configuration: the fields of its kind, the strategy
// picker with each parameter's default. A remote agent's secret, returned once by the create,
// goes to `onSecret` and is not kept here (remoteSecret.ts).
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { api, unwrap, type Schemas } from '../../api/client';
import { strategiesQuery } from '../../api/queries';
import { useTokenWrite, WriteError } from '../../components/useTokenWrite';
import { TIMEFRAMES } from '../../lib/timeframes';
import { SEASONS_KEY } from '../seasons/seasonQueries';
import {
  AGENT_KINDS,
  emptyAgentForm,
  formFromAgent,
  KIND_HELP,
  paramText,
  promptHint,
  toAgentConfig,
  validateAgentForm,
  type AgentForm,
  type AgentFormErrors,
  type AgentKind,
} from './agentForm';
import { AGENTS_KEY, promptListQuery } from './agentQueries';
import { Field } from './Field';
import { withoutSecret, type Reveal } from './remoteSecret';


interface Props {
  /** The agent to edit; absent: register a new one. */
  agent?: Schemas['AgentOut'];
  onDone: (agent: Schemas['AgentOut']) => void;
  onClose: () => void;
  /** Gets a new remote agent's signing secret, the only time the API gives it. */
  onSecret: Reveal;
}

interface Save {
  editing: boolean;
  name: string;
  config: Record<string, unknown>;
}

async function save({ editing, name, config }: Save, reveal: Reveal): Promise<Schemas['AgentOut']> {
  if (editing) return unwrap(await api.PATCH('/api/v1/agents/{name}', { params: { path: { name } }, body: { config } }));
  return withoutSecret(unwrap(await api.POST('/api/v1/agents', { body: { name, config } })), reveal);
}

export function AgentFormPanel({ agent, onDone, onClose, onSecret }: Props) {
  const editing = agent !== undefined;
  const [form, setForm] = useState<AgentForm>(() => (agent ? formFromAgent(agent) : emptyAgentForm()));
  const [errors, setErrors] = useState<AgentFormErrors>({});
  const strategies = useQuery(strategiesQuery);
  const prompts = useQuery(promptListQuery);
  const write = useTokenWrite((vars: Save) => save(vars, onSecret), { invalidate: [AGENTS_KEY, SEASONS_KEY], onSuccess: (saved) => onDone(saved) });

  const library = strategies.data?.items ?? [];
  const chosen = library.find((s) => s.name === form.strategy);
  const promptNames = [...new Set((prompts.data?.items ?? []).map((p) => p.name))];
  const promptVersions = (prompts.data?.items ?? []).filter((p) => p.name === form.prompt).map((p) => p.version);
  const set = <K extends keyof AgentForm>(key: K, value: AgentForm[K]) => setForm((old) => ({ ...old, [key]: value }));
  const text = (key: keyof AgentForm, label: string, hint?: string, placeholder?: string) => (
    <Field label={label} hint={hint} error={errors[key]}>
      <input value={String(form[key])} placeholder={placeholder} onChange={(e) => set(key, e.target.value as never)} data-testid={`agent-field-${key}`} />
    </Field>
  );

  const pickStrategy = (name: string) => {
    const info = library.find((s) => s.name === name);
    // Start from the defaults, keeping values already set for parameters of the same name.
    const params = Object.fromEntries((info?.params ?? []).map((p) => [p.name, form.params[p.name] ?? paramText(p.default)]));
    setForm((old) => ({ ...old, strategy: name, params }));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateAgentForm(form);
    setErrors(found);
    if (Object.keys(found).length === 0) {
      write.mutate({ editing, name: form.name.trim(), config: toAgentConfig(form, library) });
    }
  };

  const usesModel = form.kind === 'llm' || form.kind === 'selector';
  return (
    <form className="panel manage-stack" onSubmit={submit} noValidate aria-labelledby="agent-form-title" data-testid="agent-form">
      <div className="manage-head">
        <h2 id="agent-form-title">{editing ? `Edit ${agent.name}` : 'Register an agent'}</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <div className="form-grid">
        <Field label="Name" hint="Unique: letters, digits, '-', '_' or '.'" error={errors.name}>
          <input value={form.name} disabled={editing} onChange={(e) => set('name', e.target.value)} placeholder="ema-fast" data-testid="agent-field-name" />
        </Field>
        <Field label="Kind" hint={KIND_HELP[form.kind]}>
          <select value={form.kind} disabled={editing} onChange={(e) => set('kind', e.target.value as AgentKind)} data-testid="agent-field-kind">
            {AGENT_KINDS.map((kind) => (
              <option key={kind}>{kind}</option>
            ))}
          </select>
        </Field>
        <Field label="Timeframe" hint="The bars it decides on">
          <select value={form.timeframe} onChange={(e) => set('timeframe', e.target.value)}>
            {TIMEFRAMES.map((tf) => (
              <option key={tf}>{tf}</option>
            ))}
          </select>
        </Field>
      </div>

      {form.kind === 'strategy' && (
        <fieldset>
          <legend>Strategy</legend>
          <div className="form-grid">
            <Field label="Strategy" hint={chosen?.summary} error={errors.strategy} wide>
              <select value={form.strategy} onChange={(e) => pickStrategy(e.target.value)} data-testid="agent-field-strategy">
                <option value="">{strategies.isPending ? 'Loading…' : 'Pick a strategy'}</option>
                {library.map((s) => (
                  <option key={s.name} value={s.name} disabled={!s.enabled}>
                    {s.enabled ? s.name : `${s.name} (disabled)`}
                  </option>
                ))}
              </select>
            </Field>
            {chosen?.params.map((param) => (
              <Field key={param.name} label={`${param.name} (${param.type})`} hint={`default ${paramText(param.default)}`}>
                {param.type === 'bool' ? (
                  <select
                    value={form.params[param.name] ?? paramText(param.default)}
                    onChange={(e) => set('params', { ...form.params, [param.name]: e.target.value })}
                    data-testid={`param-${param.name}`}
                  >
                    <option>true</option>
                    <option>false</option>
                  </select>
                ) : (
                  <input
                    inputMode="decimal"
                    value={form.params[param.name] ?? ''}
                    placeholder={paramText(param.default)}
                    onChange={(e) => set('params', { ...form.params, [param.name]: e.target.value })}
                    data-testid={`param-${param.name}`}
                  />
                )}
              </Field>
            ))}
            {text('symbols', 'Symbols', 'Comma-separated; empty: the season’s', 'BTC/USDT:USDT')}
            {text('leverage', 'Leverage', '> 0, up to 125')}
            {text('stopLoss', 'Stop loss (fraction)', 'Empty: none', '0.05')}
            {text('takeProfit', 'Take profit (fraction)', 'Empty: none', '0.1')}
          </div>
        </fieldset>
      )}

      {usesModel && (
        <fieldset>
          <legend>Model</legend>
          <div className="form-grid">
            {text('provider', 'Provider', 'e.g. deepseek, openai, anthropic', 'deepseek')}
            {text('model', 'Model', undefined, 'deepseek-chat')}
            {text('temperature', 'Temperature', '0 … 2')}
            {text('baseUrl', 'Base URL', 'Its own endpoint (optional)', 'http://localhost:8000/v1')}
            {text('apiKeyEnv', 'API key variable', 'The environment variable’s name, never the key', 'MY_LLM_KEY')}
            {text('inputUsdPerMtok', 'Input price (USD / M tokens)', 'Both prices or neither')}
            {text('outputUsdPerMtok', 'Output price (USD / M tokens)')}
            {form.kind === 'llm' && (
              <>
                <Field label="Prompt" hint={promptHint(prompts.data?.items ?? [], form.prompt) ?? 'A competition mode or a prompt of yours'}>
                  <select value={form.prompt} onChange={(e) => setForm((old) => ({ ...old, prompt: e.target.value, promptVersion: '' }))}>
                    {[...new Set([form.prompt, ...promptNames])].map((name) => (
                      <option key={name}>{name}</option>
                    ))}
                  </select>
                </Field>
                <Field label="Prompt version" hint="Pinned when a season is created">
                  <select value={form.promptVersion} onChange={(e) => set('promptVersion', e.target.value)}>
                    <option value="">the newest</option>
                    {promptVersions.map((v) => (
                      <option key={v} value={String(v)}>
                        v{v}
                      </option>
                    ))}
                  </select>
                </Field>
                {text('maxTokens', 'Max tokens', '64 … 32000')}
                {text('maxLeverage', 'Max leverage', '> 0, up to 125')}
              </>
            )}
            {form.kind === 'selector' && (
              <>
                {text('reselectEvery', 'Reselect every (steps)')}
                {text('leverage', 'Leverage')}
                <fieldset className="field wide">
                  <legend>Strategies to choose from (none ticked: all but flat)</legend>
                  <div className="checks">
                    {library.map((s) => (
                      <label key={s.name}>
                        <input
                          type="checkbox"
                          checked={form.strategies.includes(s.name)}
                          onChange={(e) =>
                            set('strategies', e.target.checked ? [...form.strategies, s.name] : form.strategies.filter((n) => n !== s.name))
                          }
                        />
                        {s.name}
                      </label>
                    ))}
                  </div>
                </fieldset>
              </>
            )}
          </div>
        </fieldset>
      )}

      {form.kind === 'remote' && (
        <fieldset>
          <legend>Remote bot</legend>
          <div className="form-grid">
            <Field label="URL" hint="https; plain http only to 127.0.0.1, localhost or ::1" error={errors.url} wide>
              <input
                value={form.url}
                inputMode="url"
                placeholder="https://bot.example.com/decide"
                onChange={(e) => set('url', e.target.value)}
                data-testid="agent-field-url"
              />
            </Field>
            {text('deadlineS', 'Deadline (seconds)', 'Per decision; at most 300')}
            {text('maxLeverage', 'Max leverage', '1 … 125; higher entries are clamped')}
          </div>
        </fieldset>
      )}

      {form.kind === 'portfolio' && (
        <fieldset>
          <legend>Portfolio</legend>
          <div className="form-grid">
            {text('topN', 'Top N strategies', '1 … 20')}
            {text('leverage', 'Leverage cap')}
          </div>
        </fieldset>
      )}

      <WriteError error={write.error} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={write.isPending} data-testid="save-agent">
          {write.isPending ? 'Saving…' : editing ? 'Save changes' : 'Register agent'}
        </button>
        {editing && <span className="muted small">Seasons already created keep the configuration they pinned.</span>}
      </div>
    </form>
  );
}
