import { describe, expect, it } from 'vitest';

import type { Schemas } from '../../api/client';
import { allowedActions, describeMove } from './seasonActions';

const season = (status: string, ticks = 12): Schemas['SeasonOut'] => ({
  id: 3, name: 'spring', mode: 'replay', status, timeframe: '1h', start: '2025-01-01T00:00:00Z',
  end: '2025-01-03T00:00:00Z', ticks_done: ticks, ticks_total: 48, entries: 4, last_tick: null,
  message: 'paused by hand', created: '2026-01-01T00:00:00Z', updated: '2026-01-01T00:00:00Z', config: {},
});

describe('allowedActions', () => {
  it.each([
    ['draft', ['start', 'end']],
    ['running', ['pause', 'end']],
    ['paused', ['resume', 'end']],
    ['finished', []],
    ['canceled', []],
    ['something-new', []],
  ])('a %s season allows %j', (status, events) => {
    expect(allowedActions(status).map((action) => action.event)).toEqual(events);
  });

  it('asks before the moves that cannot be undone', () => {
    expect(allowedActions('running').filter((a) => a.final).map((a) => a.event)).toEqual(['end']);
    expect(allowedActions('draft').find((a) => a.event === 'end')?.label).toBe('Cancel');
  });
});

describe('describeMove', () => {
  it('says where a pause left the season', () => {
    expect(describeMove('pause', season('paused'))).toBe('Season 3 “spring” paused at tick 12 of 48.');
  });

  it('adds what the API said when it says more than the move', () => {
    const warned = { ...season('running', 0), message: 'warning: momentum never entered' };
    expect(describeMove('start', warned)).toBe('Season 3 “spring” started at tick 0 of 48 — warning: momentum never entered.');
  });

  it('tells a resume from a start', () => {
    expect(describeMove('resume', season('running'))).toContain('resumed at tick 12');
    expect(describeMove('start', season('running', 0))).toContain('started at tick 0');
  });

  it('says a draft that was ended was cancelled', () => {
    expect(describeMove('end', season('canceled', 0))).toContain('cancelled before it started');
  });
});
