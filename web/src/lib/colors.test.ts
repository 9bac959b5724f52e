import { describe, expect, it } from 'vitest';

import { agentColor, BASELINE_GREY, PALETTE } from './colors';

describe('agent colours', () => {
  it('gives a name the same colour every time, from the palette', () => {
    expect(agentColor('ema-trend')).toBe(agentColor('ema-trend'));
    expect(PALETTE).toContain(agentColor('deepseek-chat'));
  });

  it('keeps baselines grey', () => {
    expect(agentColor('btc-buy-and-hold', true)).toBe(BASELINE_GREY);
    expect(PALETTE).not.toContain(BASELINE_GREY);
  });

  it('spreads a season’s names over many colours', () => {
    const names = ['breakout', 'momentum', 'ema-trend', 'rsi-mean-reversion', 'bollinger-range',
      'funding-rate-arbitrage', 'regime-portfolio', 'gpt', 'claude', 'deepseek'];
    expect(new Set(names.map((name) => agentColor(name))).size).toBeGreaterThanOrEqual(6);
  });

  it('has at least ten colours', () => {
    expect(new Set(PALETTE).size).toBeGreaterThanOrEqual(10);
  });
});
