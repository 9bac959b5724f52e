import { fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { DecisionCard } from './DecisionCard';
import type { Decision } from './decisions';

const decision: Decision = {
  entry: 'fake-gpt', seq: 47, tick: 47, ts: Date.UTC(2025, 11, 3), time: '2025-12-03T00:00:00Z',
  reasoning: 'scripted choice 0', latency_ms: 49.7, outcome: 'repaired',
  actions: [{ symbol: 'BTC/USDT:USDT', signal: 'buy_to_enter', quantity: 0.01, leverage: 2, take_profit: 1_000_000,
    stop_loss: 1000, invalidation: 'none', confidence: 0.7, justification: 'momentum is up' }],
  llm_calls: [{
    ts: Date.UTC(2025, 11, 3), provider: 'openai', model: 'gpt-e2e', error: null, input_tokens: 10, output_tokens: 5,
    messages: [{ role: 'system', content: 'You are an autonomous trader.' }, { role: 'user', content: 'It is 2025-12-03.' }],
    raw_response: '{"decisions": []}', parsed_decision: null, latency_ms: 44.8, cost_usd: 0.00002, cached: false,
    reasoning: 'thinking through choice 0',
  }],
};

describe('a decision of the model chat', () => {
  it('shows who, the outcome, the reasoning and each coin decision', () => {
    render(<DecisionCard decision={decision} color="#117733" />);
    expect(screen.getByTestId('decision-entry').textContent).toBe('fake-gpt');
    expect(screen.getByTestId('decision-outcome').textContent).toBe('repaired');
    expect(screen.getByTestId('decision-reasoning').textContent).toBe('scripted choice 0');
    const row = within(screen.getByTestId('decision-actions')).getAllByRole('row')[1];
    expect(row?.textContent).toContain('BTC');
    expect(row?.textContent).toContain('buy_to_enter');
    expect(row?.textContent).toContain('1,000,000.00');
    expect(row?.textContent).toContain('70%');
    expect(row?.textContent).toContain('momentum is up');
  });

  it('shows the prompt and the raw response only when expanded', () => {
    render(<DecisionCard decision={decision} color="#117733" />);
    const toggle = screen.getByRole('button', { name: /Prompt and response/ });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByTestId('raw-response')).toBeNull();
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByTestId('prompt-system').querySelector('pre')?.textContent).toBe('You are an autonomous trader.');
    expect(screen.getByTestId('prompt-user').querySelector('pre')?.textContent).toBe('It is 2025-12-03.');
    expect(screen.getByTestId('raw-response').querySelector('pre')?.textContent).toBe('{"decisions": []}');
    expect(screen.getByTestId('model-reasoning').textContent).toContain('thinking through choice 0');
    fireEvent.click(toggle);
    expect(screen.queryByTestId('raw-response')).toBeNull();
  });
});

describe('a decision seen through a coin filter', () => {
  it('lists that coin’s decision and counts the others', () => {
    const two = { ...decision, actions: [...decision.actions, { symbol: 'ETH/USDT:USDT', signal: 'hold', justification: 'flat' }] };
    render(<DecisionCard decision={two} color="#117733" symbol="ETH/USDT:USDT" />);
    const rows = within(screen.getByTestId('decision-actions')).getAllByRole('row');
    expect(rows).toHaveLength(2);
    expect(rows[1]?.textContent).toContain('ETH');
    expect(screen.getByTestId('hidden-actions').textContent).toContain('1 decision about other coins');
  });
});
