import { describe, expect, it } from 'vitest';

import type { Schemas } from '../../api/client';
import { describeAgent, emptyAgentForm, formFromAgent, promptHint, toAgentConfig, validateAgentForm, type AgentForm } from './agentForm';

const emaTrend: Schemas['StrategyOut'] = {
  name: 'ema_trend', summary: '', rule: '',
  params: [{ name: 'fast', type: 'int', default: 12 }, { name: 'slow', type: 'int', default: 26 },
    { name: 'allow_short', type: 'bool', default: true }],
  enabled: true,
};
const form = (changes: Partial<AgentForm>): AgentForm => ({ ...emptyAgentForm(), name: 'ema-fast', ...changes });

describe('toAgentConfig', () => {
  it('sends a strategy agent with only the parameters that differ from their defaults', () => {
    const config = toAgentConfig(form({
      strategy: 'ema_trend', params: { fast: '8', slow: '26', allow_short: 'false', stale: '1' },
      leverage: '2', stopLoss: '0.05', symbols: 'BTC/USDT:USDT, ETH/USDT:USDT',
    }), [emaTrend]);
    expect(config).toEqual({
      kind: 'strategy', timeframe: '1h', strategy: 'ema_trend', params: { fast: '8', allow_short: 'false' },
      symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'], leverage: 2, stop_loss: 0.05,
    });
  });

  it('sends an llm agent with numbers as numbers and empty optional fields left out', () => {
    const config = toAgentConfig(form({
      kind: 'llm', provider: ' deepseek ', model: 'deepseek-chat', temperature: '0.2', promptVersion: '',
      apiKeyEnv: 'MY_KEY', inputUsdPerMtok: '0.27', outputUsdPerMtok: '1.1',
    }));
    expect(config).toEqual({
      kind: 'llm', timeframe: '1h', provider: 'deepseek', model: 'deepseek-chat', temperature: 0.2,
      api_key_env: 'MY_KEY', input_usd_per_mtok: 0.27, output_usd_per_mtok: 1.1,
      prompt: 'alpha_arena_trader', max_tokens: 2000, max_leverage: 10,
    });
  });

  it('sends a selector with its strategies and a portfolio with its top n', () => {
    expect(toAgentConfig(form({ kind: 'selector', provider: 'openai', model: 'gpt', strategies: ['momentum'] })))
      .toMatchObject({ kind: 'selector', strategies: ['momentum'], reselect_every: 24, leverage: 1 });
    expect(toAgentConfig(form({ kind: 'portfolio', topN: '5' })))
      .toEqual({ kind: 'portfolio', timeframe: '1h', top_n: 5, leverage: 1 });
  });

  it('round-trips an agent through the edit form', () => {
    const agent: Schemas['AgentOut'] = {
      id: 1, name: 'fake-gpt', kind: 'llm', enabled: true, ts_created: 0, ts_updated: 0,
      config: { kind: 'llm', provider: 'openai', model: 'gpt-e2e', prompt: 'alpha_arena_trader', prompt_version: 2,
        timeframe: '4h', temperature: 0.5, max_tokens: 1000, max_leverage: 3, base_url: 'http://127.0.0.1:9/v1',
        api_key_env: 'E2E_LLM_KEY', input_usd_per_mtok: 1, output_usd_per_mtok: 2 },
    };
    expect(toAgentConfig(formFromAgent(agent))).toEqual(agent.config);
  });
});

describe('validateAgentForm', () => {
  it('names what is obviously missing', () => {
    expect(Object.keys(validateAgentForm(form({ name: 'has space' }))).sort()).toEqual(['name', 'strategy']);
    expect(Object.keys(validateAgentForm(form({ kind: 'llm', inputUsdPerMtok: '1' }))).sort())
      .toEqual(['model', 'outputUsdPerMtok', 'provider']);
    expect(validateAgentForm(form({ strategy: 'momentum', leverage: 'two' }))).toEqual({ leverage: 'A number.' });
  });
});

describe('describeAgent', () => {
  it('reads like the leaderboard description', () => {
    expect(describeAgent('strategy', { strategy: 'ema_trend', params: { slow: '30', fast: '8' }, leverage: 2 }))
      .toBe('strategy ema_trend fast=8 slow=30 2x');
    expect(describeAgent('llm', { provider: 'openai', model: 'gpt', prompt: 'p', prompt_version: null, temperature: 0 }))
      .toBe('llm openai/gpt · prompt p (newest) · t=0');
  });
});

describe('promptHint', () => {
  const prompts = [
    { name: 'alpha_arena_trader', version: 1, description: 'shipped default' },
    { name: 'situational_awareness', version: 1, description: 'mode: also sees the current standings of its rivals' },
    { name: 'mine', version: 1, description: 'first try' },
    { name: 'mine', version: 3, description: '' },
    { name: 'mine', version: 2, description: 'terser risk rules' },
  ];

  it('says what a competition mode is from its description', () => {
    expect(promptHint(prompts, 'situational_awareness')).toBe('mode: also sees the current standings of its rivals');
  });

  it('reads the newest version, and nothing for a prompt without a description or unknown', () => {
    expect(promptHint(prompts.slice(0, 3).concat(prompts[4]!), 'mine')).toBe('terser risk rules');
    expect(promptHint(prompts, 'mine')).toBeUndefined();
    expect(promptHint(prompts, 'nope')).toBeUndefined();
  });
});

describe('the remote kind', () => {
  const remote = (changes: Partial<AgentForm>) => form({ kind: 'remote', url: 'https://bot.example.com/decide', ...changes });

  it('sends its url, deadline and leverage cap, numbers as numbers', () => {
    expect(toAgentConfig(remote({ url: ' http://127.0.0.1:8765/decide ', deadlineS: '5', maxLeverage: '3', timeframe: '4h' })))
      .toEqual({ kind: 'remote', timeframe: '4h', url: 'http://127.0.0.1:8765/decide', deadline_s: 5, max_leverage: 3 });
    expect(toAgentConfig(remote({ deadlineS: '', maxLeverage: '' })))
      .toEqual({ kind: 'remote', timeframe: '1h', url: 'https://bot.example.com/decide' });
  });

  it('round-trips a remote agent through the edit form', () => {
    const config = { kind: 'remote', url: 'https://bot.example.com/decide', timeframe: '1h', deadline_s: 12.5, max_leverage: 4 };
    const agent: Schemas['AgentOut'] = { id: 2, name: 'my-bot', kind: 'remote', enabled: true, ts_created: 0, ts_updated: 0, config };
    const edit = formFromAgent(agent);
    expect(edit.kind).toBe('remote');
    expect(toAgentConfig(edit)).toEqual(config);
  });

  it('takes a good endpoint and asks for none of the other kinds’ fields', () => {
    expect(validateAgentForm(remote({}))).toEqual({});
    expect(validateAgentForm(remote({ url: 'http://localhost:9000/x' }))).toEqual({});
  });

  it('refuses a missing url, plain http off loopback, and absurd numbers', () => {
    expect(Object.keys(validateAgentForm(remote({ url: '' })))).toEqual(['url']);
    expect(validateAgentForm(remote({ url: 'http://bot.example.com/decide' })).url).toMatch(/loopback/);
    expect(validateAgentForm(remote({ deadlineS: '0', maxLeverage: '0.5' })))
      .toEqual({ deadlineS: 'Seconds per decision: more than 0, at most 300.', maxLeverage: 'From 1 to 125.' });
    expect(validateAgentForm(remote({ deadlineS: '301' })).deadlineS).toBeDefined();
    expect(validateAgentForm(remote({ deadlineS: 'soon' })).deadlineS).toBe('A number.');
  });

  it('reads as one line in the table', () => {
    expect(describeAgent('remote', { url: 'https://bot.example.com/decide', deadline_s: 30, max_leverage: 10 }))
      .toBe('remote https://bot.example.com/decide · 30 s · max 10x');
  });
});
