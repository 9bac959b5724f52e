import { describe, expect, it } from 'vitest';

import { buildHeatmap, heatLevel, type SweepResult } from './heatmap';

function result(rank: number, params: Record<string, string>, sharpe: number | null): SweepResult {
  return { rank, params, metrics: { sharpe } };
}

describe('buildHeatmap', () => {
  // fast x slow, ranked by sharpe; (15, 10) is invalid (skipped) so it has no result
  const results = [
    result(1, { fast: '5', slow: '20' }, 1.2),
    result(2, { fast: '10', slow: '20' }, 0.4),
    result(3, { fast: '5', slow: '10' }, -0.3),
    result(4, { fast: '15', slow: '20' }, null),
  ];
  const axes = { fast: ['5', '10', '15'], slow: ['10', '20'] };

  it('lays one parameter across and one down, in numeric order, with every pair a cell', () => {
    const map = buildHeatmap(results, axes, 'fast', 'slow', 'sharpe');
    expect(map.xs).toEqual(['5', '10', '15']);
    expect(map.ys).toEqual(['10', '20']);
    expect(map.rows.map((row) => row.map((cell) => cell.value))).toEqual([
      [-0.3, null, null],
      [1.2, 0.4, null],
    ]);
    expect(map.rows[1]?.map((cell) => cell.rank)).toEqual([1, 2, 4]);
    expect(map.rows[0]?.[2]?.rank).toBeNull(); // no valid combination
    expect([map.min, map.max]).toEqual([-0.3, 1.2]);
  });

  it('shows the best combination of the other parameters in each cell', () => {
    const three = [
      result(2, { fast: '5', slow: '20', flag: 'true' }, 0.9),
      result(1, { fast: '5', slow: '20', flag: 'false' }, 1.5),
      result(3, { fast: '10', slow: '20', flag: 'false' }, 0.1),
    ];
    const map = buildHeatmap(three, { fast: ['5', '10'], slow: ['20'], flag: ['true', 'false'] }, 'fast', 'slow', 'sharpe');
    expect(map.rows[0]?.map((cell) => [cell.value, cell.rank])).toEqual([
      [1.5, 1],
      [0.1, 3],
    ]);
  });

  it('makes one row when there is no second parameter', () => {
    const map = buildHeatmap(results, axes, 'slow', null, 'sharpe');
    expect(map.ys).toEqual(['']);
    expect(map.rows[0]?.map((cell) => cell.value)).toEqual([-0.3, 1.2]);
  });
});

describe('heatLevel', () => {
  it('scales from worst (0) to best (1), flipped when lower is better', () => {
    expect(heatLevel(1.2, -0.3, 1.2, false)).toBe(1);
    expect(heatLevel(-0.3, -0.3, 1.2, false)).toBe(0);
    expect(heatLevel(0.45, -0.3, 1.2, false)).toBeCloseTo(0.5, 12);
    expect(heatLevel(0.1, 0.1, 0.3, true)).toBe(1);
    expect(heatLevel(null, 0, 1, false)).toBeNull();
    expect(heatLevel(2, 2, 2, false)).toBe(1);
  });
});
