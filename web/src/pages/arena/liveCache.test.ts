import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';

import type { LiveMessage } from '../../live/messages';
import { applyLiveBatch, prependNewest, progressAfter } from './liveCache';
import { arenaKeys, FEED_ITEMS, type Decision, type Equity, type Fill, type Leaderboard, type LiveProgress } from './queries';
import { equity, row, tick } from './testFixtures';

const SEASON = 1;

function decision(entry: string, number: number): Decision {
  return { entry, seq: number, tick: number, ts: number * 1000, time: '', reasoning: `tick ${number}`, actions: [], latency_ms: 1, outcome: 'valid', llm_calls: [] };
}

function fill(entry: string, number: number): Fill {
  return {
    entry, tick: number, ts: number * 1000, time: '', client_order_id: `${entry}-${number}`, symbol: 'BTC/USDT:USDT',
    side: 'buy', quantity: 1, price: 100, fee: 0.1, liquidity: 'taker', realized_pnl: 0, tag: 'entry',
  };
}

function board(ticks: number): Leaderboard {
  return {
    season_id: SEASON, name: 's', status: 'running', ticks, start: '', last_tick: null, confidence: 0.9, min_trades: 10, real: false,
    rank_by: 'value',
    rows: [row({ name: 'a', account_value: 10_000 + ticks })],
  };
}

function clientWith(history: Equity): QueryClient {
  const client = new QueryClient();
  client.setQueryData(arenaKeys.equity(SEASON), history);
  client.setQueryData(arenaKeys.decisions(SEASON), [decision('a', 1)]);
  client.setQueryData(arenaKeys.fills(SEASON), [fill('a', 1)]);
  return client;
}

describe('applyLiveBatch', () => {
  it('appends ticks to the cached equity history', () => {
    const client = clientWith(equity({ a: [10, 11] }));
    applyLiveBatch(client, SEASON, [{ type: 'tick', data: tick(2, { a: 12 }) }, { type: 'tick', data: tick(3, { a: 13 }) }]);
    const cached = client.getQueryData<Equity>(arenaKeys.equity(SEASON));
    expect(cached?.series[0]?.points.map((point) => point.equity)).toEqual([10, 11, 12, 13]);
  });

  it('replaces the leaderboard with the newest one of the batch', () => {
    const client = clientWith(equity({ a: [10] }));
    applyLiveBatch(client, SEASON, [{ type: 'leaderboard', data: board(5) }, { type: 'leaderboard', data: board(9) }]);
    expect(client.getQueryData<Leaderboard>(arenaKeys.leaderboard(SEASON))?.ticks).toBe(9);
  });

  it('puts new decisions and fills first, once each', () => {
    const client = clientWith(equity({ a: [10] }));
    const batch: LiveMessage[] = [
      { type: 'decision', data: decision('a', 1) }, // already cached: a replayed backlog
      { type: 'decision', data: decision('a', 2) },
      { type: 'fill', data: fill('a', 2) },
      { type: 'decision', data: decision('b', 3) },
    ];
    applyLiveBatch(client, SEASON, batch);
    const decisions = client.getQueryData<Decision[]>(arenaKeys.decisions(SEASON)) ?? [];
    expect(decisions.map((item) => `${item.entry}${item.tick}`)).toEqual(['b3', 'a2', 'a1']);
    const fills = client.getQueryData<Fill[]>(arenaKeys.fills(SEASON)) ?? [];
    expect(fills.map((item) => item.tick)).toEqual([2, 1]);
  });

  it('leaves feeds that were never loaded alone (they load fresh when shown)', () => {
    const client = new QueryClient();
    applyLiveBatch(client, SEASON, [{ type: 'decision', data: decision('a', 1) }, { type: 'tick', data: tick(0, { a: 1 }) }]);
    expect(client.getQueryData(arenaKeys.decisions(SEASON))).toBeUndefined();
    expect(client.getQueryData(arenaKeys.equity(SEASON))).toBeUndefined();
  });

  it('marks the open positions stale when fills arrive', () => {
    const client = clientWith(equity({ a: [10] }));
    client.setQueryData(arenaKeys.positions(SEASON), []);
    applyLiveBatch(client, SEASON, [{ type: 'fill', data: fill('a', 5) }]);
    expect(client.getQueryState(arenaKeys.positions(SEASON))?.isInvalidated).toBe(true);
  });

  it('notes the progress: status, ticks done and the last tick time', () => {
    const client = clientWith(equity({ a: [10] }));
    const last = tick(41, { a: 1 });
    applyLiveBatch(client, SEASON, [
      { type: 'subscribed', data: { season_id: SEASON, status: 'draft', ticks_done: 0, message: '' } },
      { type: 'status', data: { season_id: SEASON, status: 'running', ticks_done: 0, message: 'started' } },
      { type: 'tick', data: tick(40, { a: 1 }) },
      { type: 'tick', data: last },
    ]);
    expect(client.getQueryData<LiveProgress>(arenaKeys.live(SEASON))).toMatchObject({
      status: 'running', ticks_done: last.tick + 1, last_tick: last.time,
    });
  });
});

describe('progressAfter', () => {
  it('never moves the tick count back', () => {
    const after = progressAfter({ ticks_done: 50 }, [{ type: 'tick', data: tick(10, { a: 1 }) }]);
    expect(after.ticks_done).toBe(50);
  });

  it('keeps the error message of an error envelope', () => {
    const after = progressAfter({}, [{ type: 'error', data: { code: 'not_found', message: 'no season 9' } }]);
    expect(after.error).toBe('no season 9');
  });
});

describe('prependNewest', () => {
  it('keeps at most the limit, newest first', () => {
    const received = Array.from({ length: FEED_ITEMS + 5 }, (_, index) => index);
    const merged = prependNewest([-1], received, String, FEED_ITEMS);
    expect(merged).toHaveLength(FEED_ITEMS);
    expect(merged[0]).toBe(received.at(-1));
  });
});
