// Which season the Arena shows when the address names none: the newest running one, else the
// newest of all.
import type { Season } from './queries';

/** Statuses after which nothing more is committed. */
export const ENDED_STATUSES = new Set(['finished', 'canceled']);

export function isLive(status: string | undefined): boolean {
  return status !== undefined && !ENDED_STATUSES.has(status);
}

function newestFirst(a: Season, b: Season): number {
  return b.created.localeCompare(a.created) || b.id - a.id;
}

export function defaultSeason(seasons: readonly Season[]): Season | null {
  const sorted = [...seasons].sort(newestFirst);
  return sorted.find((season) => season.status === 'running') ?? sorted[0] ?? null;
}

/** The season an address asks for: its id, or the default when it names none. */
export function chosenSeason(seasons: readonly Season[], param: string | undefined): Season | null {
  if (param === undefined) return defaultSeason(seasons);
  const id = Number(param);
  return seasons.find((season) => season.id === id) ?? null;
}
