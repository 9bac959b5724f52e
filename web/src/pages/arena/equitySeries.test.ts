import { describe, expect, it } from 'vitest';

import { agentColor } from '../../lib/colors';
import { capitalOf, mergeTicks, nextTick, thin, toChartLines } from './equitySeries';
import { equity, season, tick } from './testFixtures';

describe('toChartLines', () => {
  const history = equity({ 'ema-trend': [10_000, 11_000, 9_000], 'btc-buy-and-hold': [10_000, 10_500, 12_000] });
  const baselines = new Set(['btc-buy-and-hold']);

  it('gives money in the $ view', () => {
    const lines = toChartLines(history, baselines, 'usd', false, 10_000);
    const ema = lines.find((line) => line.name === 'ema-trend');
    expect(ema?.points.map((point) => point.value)).toEqual(history.series[0]?.points.map((point) => point.equity));
  });

  it('gives growth since the starting capital in the % view', () => {
    const lines = toChartLines(history, baselines, 'pct', false, 10_000);
    const ema = lines.find((line) => line.name === 'ema-trend');
    expect(ema?.points.map((point) => point.value)).toEqual([1, 1.1, 0.9]);
  });

  it('starts from the first point when the capital is unknown', () => {
    const lines = toChartLines(equity({ a: [200, 300] }), new Set(), 'pct', false);
    expect(lines[0]?.points.map((point) => point.value)).toEqual([1, 1.5]);
  });

  it('keeps values above zero on a log scale', () => {
    const lines = toChartLines(equity({ wiped: [10_000, 0] }), new Set(), 'usd', true, 10_000);
    expect(Math.min(...(lines[0]?.points.map((point) => point.value) ?? []))).toBeGreaterThan(0);
  });

  it('draws baselines grey, dashed and first (underneath)', () => {
    const lines = toChartLines(history, baselines, 'usd', false);
    expect(lines.map((line) => line.name)).toEqual(['btc-buy-and-hold', 'ema-trend']);
    expect(lines[0]).toMatchObject({ baseline: true, color: agentColor('btc-buy-and-hold', true) });
    expect(lines[1]).toMatchObject({ baseline: false, color: agentColor('ema-trend') });
  });
});

describe('capitalOf', () => {
  it('reads the capital from the configuration', () => {
    expect(capitalOf(season({ config: { capital: 2500 } }))).toBe(2500);
  });

  it('is undefined when the configuration has none', () => {
    expect(capitalOf(season({ config: {} }))).toBeUndefined();
  });
});

describe('thin', () => {
  it('leaves short series alone', () => {
    expect(thin([1, 2, 3], 2)).toEqual([1, 2, 3]);
  });

  it('halves long series, keeping the first and the last point', () => {
    const points = Array.from({ length: 101 }, (_, index) => index);
    const kept = thin(points, 20);
    expect(kept.length).toBeLessThanOrEqual(40);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(100);
    expect([...kept].sort((a, b) => a - b)).toEqual(kept);
  });
});

describe('mergeTicks', () => {
  it('appends new ticks to every entry', () => {
    const merged = mergeTicks(equity({ a: [1, 2], b: [3, 4] }), [tick(2, { a: 5, b: 6 }), tick(3, { a: 7, b: 8 })], 100);
    expect(merged.series.map((series) => series.points.map((point) => point.equity))).toEqual([[1, 2, 5, 7], [3, 4, 6, 8]]);
    expect(merged.series[0]?.total_points).toBe(4);
  });

  it('skips ticks the cache already holds (a replayed backlog)', () => {
    const cached = equity({ a: [1, 2, 3] });
    const merged = mergeTicks(cached, [tick(1, { a: 99 }), tick(2, { a: 99 }), tick(3, { a: 4 })], 100);
    expect(merged.series[0]?.points.map((point) => point.equity)).toEqual([1, 2, 3, 4]);
  });

  it('adds a series for an entry it did not know', () => {
    const merged = mergeTicks(equity({ a: [] }), [tick(0, { a: 1, b: 2 })], 100);
    expect(merged.series.map((series) => series.entry)).toEqual(['a', 'b']);
    expect(merged.series[1]?.points[0]?.equity).toBe(2);
  });

  it('keeps the history short while ticks keep coming', () => {
    let history = equity({ a: [0] });
    for (let number = 1; number <= 500; number += 1) history = mergeTicks(history, [tick(number, { a: number })], 50);
    const points = history.series[0]?.points ?? [];
    expect(points.length).toBeLessThanOrEqual(100);
    expect(points.at(-1)?.tick).toBe(500);
    expect(history.series[0]?.total_points).toBe(501);
  });

  it('returns the same object when there is nothing to merge', () => {
    const cached = equity({ a: [1] });
    expect(mergeTicks(cached, [], 10)).toBe(cached);
  });
});

describe('nextTick', () => {
  it('is the tick after the newest point', () => {
    expect(nextTick(equity({ a: [1, 2, 3], b: [1, 2] }))).toBe(3);
  });

  it('is 0 for a season without ticks, undefined before the history loaded', () => {
    expect(nextTick(equity({ a: [] }))).toBe(0);
    expect(nextTick(undefined)).toBeUndefined();
  });
});
