import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { Schemas } from '../../api/client';
import { pboLine } from './overfitting';
import { SweepResults } from './SweepPage';

function point(rank: number, fast: string, sharpe: number, deflated: number | null): Schemas['SweepPointOut'] {
  return {
    rank,
    params: { fast, slow: '30' },
    metrics: { total_return: 0.05 / rank, max_drawdown: 0.1, sharpe, deflated_sharpe: deflated, trade_count: 12, fees_paid: 3 },
  };
}

const sweep: Schemas['SweepOut'] = {
  strategy: 'ema_trend',
  symbol: 'BTC/USDT:USDT',
  timeframe: '1h',
  start: '2024-01-01T00:00:00Z',
  end: '2024-03-01T00:00:00Z',
  rank_by: 'sharpe',
  grid: { fast: ['5', '10', '15'] },
  combinations: 3,
  results: [point(1, '10', 1.8, 0.83), point(2, '5', 0.9, 0.41), point(3, '15', -0.2, null)],
  skipped: [],
  overfitting: { pbo: 0.2308, splits: 12870, median_logit: 0.85, blocks: 16 },
};

describe('SweepResults', () => {
  it('shows each combination deflated Sharpe ratio in a DSR column', () => {
    render(<SweepResults sweep={sweep} />);
    const table = screen.getByTestId('sweep-table');
    expect(within(table).getByRole('columnheader', { name: 'DSR' }).getAttribute('title')).toContain('how many combinations were tried');
    const cells = table.querySelectorAll('td[data-metric="deflated_sharpe"]');
    expect([...cells].map((cell) => cell.textContent)).toEqual(['0.83', '0.41', '—']);
    expect([...cells].map((cell) => cell.getAttribute('data-value'))).toEqual(['0.83', '0.41', '']);
    const headers = within(table).getAllByRole('columnheader').map((header) => header.textContent);
    expect(headers.indexOf('DSR')).toBe(headers.indexOf('Sharpe') + 1);
  });

  it('draws the PBO line under the table, calm below a half', () => {
    render(<SweepResults sweep={sweep} />);
    const line = screen.getByTestId('sweep-pbo');
    expect(line.textContent).toContain('PBO 0.23 (12,870 splits): the chance the best in-sample combination is below the median out of sample.');
    expect(line.className).toBe('muted');
    expect(line.getAttribute('data-value')).toBe('0.2308');
  });

  it('warns when the best combination is more likely luck than not', () => {
    render(<SweepResults sweep={{ ...sweep, overfitting: { pbo: 0.71, splits: 70, median_logit: -0.6, blocks: 8 } }} />);
    const line = screen.getByTestId('sweep-pbo');
    expect(line.textContent).toContain('PBO 0.71 (70 splits)');
    expect(line.className).toBe('warn');
  });

  it('says why there is no PBO', () => {
    render(<SweepResults sweep={{ ...sweep, results: [point(1, '10', 1.8, 0.9)], overfitting: null }} />);
    expect(screen.getByTestId('sweep-pbo').textContent).toBe(pboLine(null));
    expect(pboLine(null)).toContain('two combinations or more');
  });
});
