// Which lifecycle moves a season allows, mirroring the API's transition table
// (domain/seasons.py SEASON_TRANSITIONS); the API stays the judge and answers 409 otherwise.
// The seasons page and the system page's pause/resume both make these moves.
import type { QueryKey } from '@tanstack/react-query';

import { api, unwrap, type Schemas } from '../../api/client';
import { SEASON_DETAIL_KEY } from '../season/seasonQueries';
import { SEASONS_KEY } from './seasonQueries';

export type SeasonEvent = 'start' | 'pause' | 'resume' | 'end';

export interface SeasonAction {
  event: SeasonEvent;
  label: string;
  /** Asks for confirmation first: it cannot be undone. */
  final: boolean;
}

const ACTIONS: Record<string, SeasonAction[]> = {
  draft: [
    { event: 'start', label: 'Start', final: false },
    { event: 'end', label: 'Cancel', final: true },
  ],
  running: [
    { event: 'pause', label: 'Pause', final: false },
    { event: 'end', label: 'End', final: true },
  ],
  paused: [
    { event: 'resume', label: 'Resume', final: false },
    { event: 'end', label: 'End', final: true },
  ],
};

export interface SeasonMove {
  seasonId: number;
  event: SeasonEvent;
}

const MOVE_PATHS = {
  start: '/api/v1/seasons/{season_id}/start',
  pause: '/api/v1/seasons/{season_id}/pause',
  resume: '/api/v1/seasons/{season_id}/resume',
  end: '/api/v1/seasons/{season_id}/end',
} as const;

/** Make the move; the API answers with the season as it is after it. */
export async function moveSeason({ seasonId, event }: SeasonMove): Promise<Schemas['SeasonOut']> {
  return unwrap(await api.POST(MOVE_PATHS[event], { params: { path: { season_id: seasonId } } }));
}

/** What a move changes: every list of seasons, and the season, arena and system pages' own
 * copies of a season's status and of the runner's. */
export const SEASON_MOVE_REFRESH: QueryKey[] = [SEASONS_KEY, [SEASON_DETAIL_KEY], ['arena'], ['system']];

export function allowedActions(status: string): SeasonAction[] {
  return ACTIONS[status] ?? [];
}

/** What a move did, in a sentence: "paused at tick 12 (paused by hand)". */
export function describeMove(event: SeasonEvent, season: Schemas['SeasonOut']): string {
  const at = `tick ${season.ticks_done.toLocaleString('en-US')} of ${season.ticks_total.toLocaleString('en-US')}`;
  const what: Record<string, string> = {
    running: event === 'resume' ? `resumed at ${at}` : `started at ${at}`,
    paused: `paused at ${at}`,
    finished: `ended at ${at}`,
    canceled: 'cancelled before it started',
  };
  const said = what[season.status] ?? `now ${season.status}`;
  // The API's own message, unless it only repeats the move ("started", "paused by hand"...).
  const routine = ['started', 'resumed', 'paused by hand', 'ended by hand'].includes(season.message);
  const extra = season.message && !routine ? ` — ${season.message}` : '';
  return `Season ${season.id} “${season.name}” ${said}${extra}.`;
}
