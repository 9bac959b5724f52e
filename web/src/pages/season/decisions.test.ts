import { describe, expect, it } from 'vitest';

import { actionRows, callSummary, decisionKey, messageRole, messageText, outcomeTone, signalTone, type LlmCall } from './decisions';

describe('a decision read for people', () => {
  it('turns each parsed action into a row, nulls for what the agent left out', () => {
    const rows = actionRows([
      {
        symbol: 'BTC/USDT:USDT', signal: 'buy_to_enter', quantity: 0.01, notional: null, leverage: 2,
        take_profit: 1_000_000, stop_loss: 1000, invalidation: 'none', confidence: 0.7, justification: 'momentum is up',
      },
      { symbol: 'ETH/USDT:USDT', signal: 'hold', justification: 'nothing new' },
    ]);
    expect(rows[0]).toEqual({
      coin: 'BTC', symbol: 'BTC/USDT:USDT', signal: 'buy_to_enter', quantity: 0.01, notional: null, leverage: 2,
      takeProfit: 1_000_000, stopLoss: 1000, invalidation: 'none', confidence: 0.7, justification: 'momentum is up',
    });
    expect(rows[1]).toMatchObject({ coin: 'ETH', signal: 'hold', quantity: null, leverage: null, takeProfit: null, confidence: null });
  });

  it('survives actions of the wrong shape', () => {
    expect(actionRows([{ symbol: 7, quantity: 'a lot' }])[0]).toMatchObject({ coin: '?', signal: '?', quantity: null });
  });

  it('colours signals and outcomes', () => {
    expect(signalTone('buy_to_enter')).toBe('gain');
    expect(signalTone('sell_to_enter')).toBe('loss');
    expect(signalTone('hold')).toBe('muted');
    expect(signalTone('close')).toBe('');
    expect(outcomeTone('valid')).toBe('');
    expect(outcomeTone('repaired')).toBe('warn');
    expect(outcomeTone('invalid')).toBe('loss');
    expect(outcomeTone('deadline')).toBe('loss');
  });

  it('reads the text of string and multi-part messages', () => {
    expect(messageText({ role: 'system', content: 'You trade.' })).toBe('You trade.');
    expect(messageText({ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image' }, { type: 'text', text: 'b' }] })).toBe('a\nb');
    expect(messageText({ role: 'user' })).toBe('');
    expect(messageRole({ role: 'assistant' })).toBe('assistant');
    expect(messageRole({})).toBe('message');
  });

  it('keys a decision by entry and tick', () => {
    expect(decisionKey({ entry: 'fake-gpt', tick: 41 })).toBe('fake-gpt@41');
  });

  it('summarises a call', () => {
    const call: LlmCall = {
      ts: 0, provider: 'openai', model: 'gpt-e2e', messages: [], raw_response: '{}', parsed_decision: null, error: null,
      input_tokens: 1800, output_tokens: 240, latency_ms: 950.4, cost_usd: 0.0007, cached: false, reasoning: null,
    };
    expect(callSummary(call)).toBe('openai/gpt-e2e · 1,800 in / 240 out · 950 ms · $0.0007');
    expect(callSummary({ ...call, cost_usd: null, cached: true })).toBe('openai/gpt-e2e · 1,800 in / 240 out · 950 ms · unknown price · cached');
  });
});
