import { describe, expect, it } from 'vitest';

import { diagnosticKeys, formatMetric, HEADLINE, metricTone } from './metrics';

describe('metrics', () => {
  it('has twelve headline cards and every other metric in the diagnostics', () => {
    expect(HEADLINE).toHaveLength(12);
    const metrics = Object.fromEntries([...HEADLINE.map((s) => s.key), 'end_equity', 'best_trade', 'mystery'].map((k) => [k, 1]));
    expect(diagnosticKeys(metrics)).toEqual(['best_trade', 'end_equity', 'mystery']);
  });

  it('signs gains and losses and colours them', () => {
    expect([formatMetric('return', 0.0412), metricTone('return', 0.0412)]).toEqual(['+4.12%', 'gain']);
    expect([formatMetric('return', -0.013), metricTone('return', -0.013)]).toEqual(['−1.30%', 'loss']);
    expect([formatMetric('drawdown', 0.061), metricTone('drawdown', 0.061)]).toEqual(['−6.10%', 'loss']);
    expect([formatMetric('ratio', 1.42), formatMetric('ratio', -0.3)]).toEqual(['+1.42', '−0.30']);
    expect([formatMetric('cost', 38.5), metricTone('cost', 38.5)]).toEqual(['−38.50', 'loss']);
    expect([formatMetric('fraction', 0.47), metricTone('fraction', 0.47)]).toEqual(['47.0%', '']);
    expect([formatMetric('factor', 1.3), metricTone('factor', 0.8)]).toEqual(['1.30', 'loss']);
    expect(formatMetric('count', 17)).toBe('17');
    expect(formatMetric('ratio', null)).toBe('—');
  });
});
