// The agent form as plain data: the five kinds' fields (agents/config.py), the configuration
// body POST /agents and PATCH /agents/{name} take, the form an existing agent fills, and the
// one-line description an agent reads as in tables.
import type { Schemas } from '../../api/client';
import { remoteUrlProblem } from './remoteUrl';

export const AGENT_KINDS = ['strategy', 'llm', 'selector', 'portfolio', 'remote'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

export const KIND_HELP: Record<AgentKind, string> = {
  strategy: 'A library strategy trading its target positions.',
  llm: 'A language model trading from the decision context and a prompt.',
  selector: 'A language model choosing a library strategy per coin from the market regime.',
  portfolio: 'A regime-weighted blend of library strategies, weights learned from stored backtests.',
  remote: 'Your own bot at a URL, sent each decision context in a signed POST; see docs/remote-agents.md.',
};

export interface AgentForm {
  name: string;
  kind: AgentKind;
  timeframe: string;
  // strategy
  strategy: string;
  /** Parameter values as text; a value equal to the strategy's default is not sent. */
  params: Record<string, string>;
  /** Comma-separated; empty: every symbol of the season. */
  symbols: string;
  leverage: string;
  stopLoss: string;
  takeProfit: string;
  // llm and selector
  provider: string;
  model: string;
  temperature: string;
  baseUrl: string;
  apiKeyEnv: string;
  inputUsdPerMtok: string;
  outputUsdPerMtok: string;
  // llm
  prompt: string;
  /** Empty: the newest version. */
  promptVersion: string;
  maxTokens: string;
  maxLeverage: string;
  // selector
  strategies: string[];
  reselectEvery: string;
  // portfolio
  topN: string;
  // remote (maxLeverage too)
  url: string;
  deadlineS: string;
}

export function emptyAgentForm(): AgentForm {
  return {
    name: '', kind: 'strategy', timeframe: '1h', strategy: '', params: {}, symbols: '', leverage: '1',
    stopLoss: '', takeProfit: '', provider: '', model: '', temperature: '0', baseUrl: '', apiKeyEnv: '',
    inputUsdPerMtok: '', outputUsdPerMtok: '', prompt: 'alpha_arena_trader', promptVersion: '',
    maxTokens: '2000', maxLeverage: '10', strategies: [], reselectEvery: '24', topN: '3',
    url: '', deadlineS: '30',
  };
}

type Config = Record<string, unknown>;

const text = (value: string) => value.trim();
const number = (value: string) => Number(value.trim());
/** Optional numbers: left out when empty, so the API's default applies. */
function optional(config: Config, key: string, value: string) {
  if (text(value) !== '') config[key] = number(value);
}
function optionalText(config: Config, key: string, value: string) {
  if (text(value) !== '') config[key] = text(value);
}

export function paramText(value: unknown): string {
  return typeof value === 'boolean' ? String(value) : String(value ?? '');
}

/** The `config` of POST /agents (and PATCH) for this form. */
export function toAgentConfig(form: AgentForm, strategies: Schemas['StrategyOut'][] = []): Config {
  const config: Config = { kind: form.kind, timeframe: form.timeframe };
  if (form.kind === 'strategy') {
    config.strategy = form.strategy;
    const defaults = strategies.find((s) => s.name === form.strategy)?.params ?? [];
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(form.params)) {
      const known = defaults.find((p) => p.name === name);
      if (text(value) === '' || (known && paramText(known.default) === text(value))) continue;
      if (known || defaults.length === 0) params[name] = text(value);
    }
    config.params = params;
    const symbols = form.symbols.split(',').map((s) => s.trim()).filter(Boolean);
    if (symbols.length) config.symbols = symbols;
    optional(config, 'leverage', form.leverage);
    optional(config, 'stop_loss', form.stopLoss);
    optional(config, 'take_profit', form.takeProfit);
    return config;
  }
  if (form.kind === 'remote') {
    config.url = text(form.url);
    optional(config, 'deadline_s', form.deadlineS);
    optional(config, 'max_leverage', form.maxLeverage);
    return config;
  }
  if (form.kind === 'portfolio') {
    optional(config, 'top_n', form.topN);
    optional(config, 'leverage', form.leverage);
    return config;
  }
  config.provider = text(form.provider);
  config.model = text(form.model);
  optional(config, 'temperature', form.temperature);
  optionalText(config, 'base_url', form.baseUrl);
  optionalText(config, 'api_key_env', form.apiKeyEnv);
  optional(config, 'input_usd_per_mtok', form.inputUsdPerMtok);
  optional(config, 'output_usd_per_mtok', form.outputUsdPerMtok);
  if (form.kind === 'llm') {
    optionalText(config, 'prompt', form.prompt);
    optional(config, 'prompt_version', form.promptVersion);
    optional(config, 'max_tokens', form.maxTokens);
    optional(config, 'max_leverage', form.maxLeverage);
  } else {
    if (form.strategies.length) config.strategies = [...form.strategies];
    optional(config, 'reselect_every', form.reselectEvery);
    optional(config, 'leverage', form.leverage);
  }
  return config;
}

const str = (value: unknown, fallback = '') => (value === null || value === undefined ? fallback : String(value));

/** The form that edits an existing agent (its stored configuration). */
export function formFromAgent(agent: Schemas['AgentOut']): AgentForm {
  const c = agent.config as Config;
  const base = emptyAgentForm();
  const params = (c.params ?? {}) as Record<string, unknown>;
  return {
    ...base,
    name: agent.name,
    kind: (AGENT_KINDS as readonly string[]).includes(agent.kind) ? (agent.kind as AgentKind) : 'strategy',
    timeframe: str(c.timeframe, base.timeframe),
    strategy: str(c.strategy),
    params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, paramText(v)])),
    symbols: Array.isArray(c.symbols) ? c.symbols.join(',') : '',
    leverage: str(c.leverage, base.leverage),
    stopLoss: str(c.stop_loss),
    takeProfit: str(c.take_profit),
    provider: str(c.provider),
    model: str(c.model),
    temperature: str(c.temperature, base.temperature),
    baseUrl: str(c.base_url),
    apiKeyEnv: str(c.api_key_env),
    inputUsdPerMtok: str(c.input_usd_per_mtok),
    outputUsdPerMtok: str(c.output_usd_per_mtok),
    prompt: str(c.prompt, base.prompt),
    promptVersion: str(c.prompt_version),
    maxTokens: str(c.max_tokens, base.maxTokens),
    maxLeverage: str(c.max_leverage, base.maxLeverage),
    strategies: Array.isArray(c.strategies) ? c.strategies.map(String) : [],
    reselectEvery: str(c.reselect_every, base.reselectEvery),
    topN: str(c.top_n, base.topN),
    url: str(c.url),
    deadlineS: str(c.deadline_s, base.deadlineS),
  };
}

export type AgentFormErrors = Partial<Record<keyof AgentForm, string>>;

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** What is obviously wrong; the API checks the rest (unknown provider, parameter ranges...). */
export function validateAgentForm(form: AgentForm): AgentFormErrors {
  const errors: AgentFormErrors = {};
  if (!NAME.test(form.name.trim())) errors.name = "Up to 64 letters, digits, '-', '_' or '.'.";
  const numeric: (keyof AgentForm)[] = ['leverage', 'stopLoss', 'takeProfit', 'temperature', 'inputUsdPerMtok',
    'outputUsdPerMtok', 'promptVersion', 'maxTokens', 'maxLeverage', 'reselectEvery', 'topN', 'deadlineS'];
  for (const key of numeric) {
    const value = form[key];
    if (typeof value === 'string' && value.trim() !== '' && !Number.isFinite(Number(value))) errors[key] = 'A number.';
  }
  if (form.kind === 'strategy' && !form.strategy) errors.strategy = 'Pick a strategy.';
  if (form.kind === 'llm' || form.kind === 'selector') {
    if (!form.provider.trim()) errors.provider = 'Name the provider, e.g. deepseek or openai.';
    if (!form.model.trim()) errors.model = 'Name the model, e.g. deepseek-chat.';
    if ((form.inputUsdPerMtok.trim() === '') !== (form.outputUsdPerMtok.trim() === '')) {
      errors.outputUsdPerMtok = 'Give both prices or neither.';
    }
  }
  if (form.kind === 'remote') {
    const problem = remoteUrlProblem(form.url.trim());
    if (problem) errors.url = problem;
    const deadline = Number(form.deadlineS.trim());
    if (!errors.deadlineS && !(form.deadlineS.trim() !== '' && deadline > 0 && deadline <= 300)) {
      errors.deadlineS = 'Seconds per decision: more than 0, at most 300.';
    }
    const leverage = Number(form.maxLeverage.trim());
    if (!errors.maxLeverage && form.maxLeverage.trim() !== '' && !(leverage >= 1 && leverage <= 125)) {
      errors.maxLeverage = 'From 1 to 125.';
    }
  }
  return errors;
}

/** One line saying what an agent is: "strategy ema_trend fast=10 · 2x". */
export function describeAgent(kind: string, config: Record<string, unknown>): string {
  const c = config;
  const x = (value: unknown) => `${str(value, '1')}x`;
  if (kind === 'strategy') {
    const params = Object.entries((c.params ?? {}) as Record<string, unknown>)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${paramText(v)}`);
    const where = Array.isArray(c.symbols) && c.symbols.length ? ` on ${c.symbols.join(',')}` : '';
    return [`strategy ${str(c.strategy)}${where}`, ...params, x(c.leverage)].join(' ');
  }
  if (kind === 'llm') {
    const version = c.prompt_version ? `v${str(c.prompt_version)}` : 'newest';
    return `llm ${str(c.provider)}/${str(c.model)} · prompt ${str(c.prompt)} (${version}) · t=${str(c.temperature, '0')}`;
  }
  if (kind === 'selector') return `selector ${str(c.provider)}/${str(c.model)} · every ${str(c.reselect_every)} steps`;
  if (kind === 'portfolio') return `portfolio top ${str(c.top_n)} · ${x(c.leverage)}`;
  if (kind === 'remote') return `remote ${str(c.url)} · ${str(c.deadline_s, '30')} s · max ${x(c.max_leverage)}`;
  return kind;
}

/** What the prompt called `name` is, from its newest stored version's description: the shipped
 * competition modes say theirs ("mode: also sees the current standings of its rivals …"). */
export function promptHint(prompts: readonly Pick<Schemas['PromptSummary'], 'name' | 'version' | 'description'>[], name: string): string | undefined {
  const versions = prompts.filter((p) => p.name === name);
  if (versions.length === 0) return undefined;
  const newest = versions.reduce((a, b) => (b.version > a.version ? b : a));
  return newest.description || undefined;
}
