// Which lifecycle moves a season allows, mirroring the API's transition table
// (domain/seasons.py SEASON_TRANSITIONS); the API stays the judge and answers 409 otherwise.
import type { Schemas } from '../../api/client';

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
