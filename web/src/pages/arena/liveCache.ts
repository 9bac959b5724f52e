// Live messages written into the page's query cache: ticks appended to the equity history,
// decisions and fills put first in their feeds, the leaderboard replaced, the progress noted.
// Nothing here fetches; only open positions (no message carries them) are marked stale when
// fills arrive, so a visible Positions tab asks once per batch.
import type { QueryClient } from '@tanstack/react-query';

import type { LiveMessage, TickData } from '../../live/messages';
import { mergeTicks } from './equitySeries';
import {
  arenaKeys, EQUITY_POINTS, FEED_ITEMS, type Decision, type Equity, type Fill, type Leaderboard, type LiveProgress,
} from './queries';

function decisionKey(decision: Decision): string {
  return `${decision.entry}|${decision.tick}`;
}

function fillKey(fill: Fill): string {
  return `${fill.entry}|${fill.client_order_id}|${fill.tick}|${fill.quantity}|${fill.price}`;
}

/** Newest first: the new items (received oldest first) before the cached ones, without
 *  duplicates, at most `limit`. */
export function prependNewest<T>(cached: readonly T[], received: readonly T[], key: (item: T) => string, limit: number): T[] {
  const seen = new Set<string>();
  const merged: T[] = [];
  for (const item of [...received].reverse().concat(cached)) {
    const id = key(item);
    if (seen.has(id)) continue;
    seen.add(id);
    merged.push(item);
    if (merged.length >= limit) break;
  }
  return merged;
}

/** The progress after a batch: the newest status and tick win. */
export function progressAfter(progress: LiveProgress, batch: readonly LiveMessage[]): LiveProgress {
  let next = progress;
  for (const message of batch) {
    if (message.type === 'subscribed' || message.type === 'status') {
      const { status, ticks_done, message: text } = message.data;
      next = { ...next, status, message: text, ticks_done: Math.max(ticks_done, next.ticks_done ?? 0), error: undefined };
    } else if (message.type === 'tick') {
      const done = message.data.tick + 1;
      if (done >= (next.ticks_done ?? 0)) next = { ...next, ticks_done: done, last_tick: message.data.time };
    } else if (message.type === 'error') {
      next = { ...next, error: message.data.message };
    }
  }
  return next;
}

export function applyLiveBatch(client: QueryClient, seasonId: number, batch: readonly LiveMessage[]): void {
  const ticks: TickData[] = [];
  const decisions: Decision[] = [];
  const fills: Fill[] = [];
  let board: Leaderboard | null = null;
  for (const message of batch) {
    if (message.type === 'tick' && message.data.season_id === seasonId) ticks.push(message.data);
    else if (message.type === 'decision') decisions.push(message.data);
    else if (message.type === 'fill') fills.push(message.data);
    else if (message.type === 'leaderboard' && message.data.season_id === seasonId) board = message.data;
  }
  if (ticks.length) {
    client.setQueryData<Equity>(arenaKeys.equity(seasonId), (old) => (old ? mergeTicks(old, ticks, EQUITY_POINTS) : old));
  }
  if (decisions.length) {
    client.setQueryData<Decision[]>(arenaKeys.decisions(seasonId), (old) =>
      old ? prependNewest(old, decisions, decisionKey, FEED_ITEMS) : old);
  }
  if (fills.length) {
    client.setQueryData<Fill[]>(arenaKeys.fills(seasonId), (old) => (old ? prependNewest(old, fills, fillKey, FEED_ITEMS) : old));
    void client.invalidateQueries({ queryKey: arenaKeys.positions(seasonId) });
  }
  if (board) client.setQueryData<Leaderboard>(arenaKeys.leaderboard(seasonId), board);
  client.setQueryData<LiveProgress>(arenaKeys.live(seasonId), (old) => progressAfter(old ?? {}, batch));
}
