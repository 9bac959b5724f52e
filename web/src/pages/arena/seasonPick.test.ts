import { describe, expect, it } from 'vitest';

import { season } from './testFixtures';
import { chosenSeason, defaultSeason, isLive } from './seasonPick';

describe('defaultSeason', () => {
  it('prefers the newest running season over newer finished ones', () => {
    const older = season({ id: 1, status: 'running', created: '2026-01-01T00:00:00Z' });
    const newer = season({ id: 2, status: 'running', created: '2026-02-01T00:00:00Z' });
    const newest = season({ id: 3, status: 'finished', created: '2026-03-01T00:00:00Z' });
    expect(defaultSeason([older, newest, newer])?.id).toBe(newer.id);
  });

  it('falls back to the newest season when none runs', () => {
    const seasons = [season({ id: 4, created: '2026-01-01T00:00:00Z' }), season({ id: 5, created: '2026-05-01T00:00:00Z' })];
    expect(defaultSeason(seasons)?.id).toBe(5);
  });

  it('is null without seasons', () => {
    expect(defaultSeason([])).toBeNull();
  });
});

describe('chosenSeason', () => {
  const seasons = [season({ id: 1 }), season({ id: 7, status: 'running' })];

  it('takes the season the address names', () => {
    expect(chosenSeason(seasons, '1')?.id).toBe(1);
  });

  it('is null for a season that does not exist', () => {
    expect(chosenSeason(seasons, '99')).toBeNull();
  });

  it('takes the default without an id', () => {
    expect(chosenSeason(seasons, undefined)?.id).toBe(7);
  });
});

describe('isLive', () => {
  it.each([['draft', true], ['running', true], ['paused', true], ['finished', false], ['canceled', false]])(
    '%s → %s', (status, live) => expect(isLive(status)).toBe(live),
  );
});
