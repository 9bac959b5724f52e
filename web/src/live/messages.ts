// The envelopes of the live feed (/api/v1/ws, see src/alpha_arena/api/routes/live.py): what a
// client sends and what it receives, each `{type, data}`.
import type { Schemas } from '../api/client';

export interface TickEntry {
  entry: string;
  equity: number;
  cash: number;
  exposure: number;
}

/** One committed tick with every entry's account value. */
export interface TickData {
  season_id: number;
  tick: number;
  ts: number; // epoch ms
  time: string;
  entries: TickEntry[];
}

/** A season's status and progress (on subscribing, and when the status changes). */
export interface StatusData {
  season_id: number;
  status: string;
  ticks_done: number;
  message: string;
  from_tick?: number;
}

export interface LiveErrorData {
  code: string;
  message: string;
  details?: unknown;
}

export type LiveMessage =
  | { type: 'subscribed'; data: StatusData }
  | { type: 'status'; data: StatusData }
  | { type: 'tick'; data: TickData }
  | { type: 'decision'; data: Schemas['DecisionOut'] }
  | { type: 'fill'; data: Schemas['FillOut'] }
  | { type: 'leaderboard'; data: Schemas['LeaderboardOut'] }
  | { type: 'error'; data: LiveErrorData }
  | { type: 'authorized' | 'pong'; data: Record<string, never> };

const KNOWN = new Set(['subscribed', 'status', 'tick', 'decision', 'fill', 'leaderboard', 'error', 'authorized', 'pong']);

/** A received text frame as a message, or null for anything this client does not know. */
export function parseMessage(text: unknown): LiveMessage | null {
  if (typeof text !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { type, data } = parsed as { type?: unknown; data?: unknown };
    if (typeof type !== 'string' || !KNOWN.has(type) || typeof data !== 'object' || data === null) return null;
    return parsed as LiveMessage;
  } catch {
    return null;
  }
}

export function subscribeMessage(seasonId: number, fromTick?: number): string {
  const data: { season_id: number; from_tick?: number } = { season_id: seasonId };
  if (fromTick !== undefined) data.from_tick = fromTick;
  return JSON.stringify({ type: 'subscribe', data });
}

export function authMessage(token: string): string {
  return JSON.stringify({ type: 'auth', data: { token } });
}

/** The feed's address on the page's own origin (ws: or wss:). */
export function liveUrl(location: { protocol: string; host: string } = window.location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`;
}
