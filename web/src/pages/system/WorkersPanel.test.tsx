import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Schemas } from '../../api/client';
import { WorkersPanel } from './WorkersPanel';

const status: Schemas['WorkersOut'] = {
  broker: 'redis://127.0.0.1:6379/0',
  reachable: true,
  workers: [
    { name: 'arena@a', concurrency: 2, queues: ['jobs', 'seasons'], active: [{ task: 'arena.run_season', id: 't1', args: [7], started_ts: 1780272000000 }] },
    { name: 'arena@b', concurrency: 2, queues: ['jobs'], active: [] },
  ],
  queues: [
    { name: 'seasons', waiting: 0 },
    { name: 'jobs', waiting: 3 },
  ],
  scheduled: [{ name: 'refresh-prices', task: 'arena.refresh_prices', schedule: 'every 30 s' }],
};

describe('WorkersPanel', () => {
  it('lists each worker with what it runs, the queues and the schedule', () => {
    render(<WorkersPanel workers={status} />);
    const rows = screen.getAllByTestId('worker-row');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.textContent).toContain('arena@a');
    expect(rows[0]?.textContent).toContain('season #7');
    expect(rows[1]?.textContent).toContain('idle');
    expect(screen.getByTestId('queues')?.textContent).toContain('Queue jobs3 waiting');
    expect(screen.getByTestId('scheduled')?.textContent).toContain('refresh-prices: every 30 s');
  });

  it('says how to scale out when no broker is configured', () => {
    render(<WorkersPanel workers={null} />);
    expect(screen.getByTestId('workers-none')?.textContent).toContain('ARENA_BROKER_URL');
  });

  it('says so when no worker answers', () => {
    render(<WorkersPanel workers={{ ...status, workers: [] }} />);
    expect(screen.getByTestId('workers-empty')?.textContent).toContain('arena worker');
  });
});
