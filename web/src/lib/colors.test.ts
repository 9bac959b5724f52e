import { describe, expect, it } from 'vitest';

import { agentColor, BASELINE_GREY, claimColors, PALETTE } from './colors';

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

describe('claimed colours', () => {
  it('gives every entry of a season its own colour, even when their names hash alike', () => {
    // these two hash to the same slot of the palette
    const names = ['bollinger-range', 'rsi-mean-reversion', 'ema-trend', 'momentum', 'breakout',
      'regime-portfolio', 'funding-rate-arbitrage'];
    claimColors(names);
    expect(new Set(names.map((name) => agentColor(name))).size).toBe(names.length);
  });

  it('keeps a claimed colour when the name is claimed again among others', () => {
    const before = agentColor('ema-trend');
    claimColors(['ema-trend', 'a-newcomer']);
    expect(agentColor('ema-trend')).toBe(before);
    expect(agentColor('a-newcomer')).not.toBe(before);
  });
});
