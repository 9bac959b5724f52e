import { describe, expect, it } from 'vitest';

import { LiveConnection, retryDelay, type ConnectionState, type SocketLike, type Timers } from './liveConnection';
import { parseMessage, type LiveMessage } from './messages';

/** A socket the test drives: it records what is sent and delivers what the test says. */
class FakeSocket implements SocketLike {
  sent: string[] = [];
  closed: number | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close(code = 1000) {
    this.closed = code;
  }
  receive(message: unknown) {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }
  drop(code = 1006) {
    this.onclose?.({ code, reason: '' });
  }
}

/** Timers the test runs by hand. */
class ManualTimers implements Timers {
  private next = 1;
  pending = new Map<number, { callback: () => void; ms: number }>();
  set(callback: () => void, ms: number) {
    const id = this.next++;
    this.pending.set(id, { callback, ms });
    return id;
  }
  clear(handle: unknown) {
    this.pending.delete(handle as number);
  }
  runAll() {
    const due = [...this.pending.entries()];
    this.pending.clear();
    due.forEach(([, timer]) => timer.callback());
    return due.map(([, timer]) => timer.ms);
  }
}

function setup(options: { fromTick?: () => number | undefined; token?: () => string | null } = {}) {
  const sockets: FakeSocket[] = [];
  const timers = new ManualTimers();
  const batches: LiveMessage[][] = [];
  const states: ConnectionState[] = [];
  const connection = new LiveConnection({
    url: 'ws://arena/api/v1/ws', seasonId: 7, onMessages: (batch) => batches.push(batch),
    onState: (state) => states.push(state), timers, flushMs: 100, firstRetryMs: 1000, maxRetryMs: 8000,
    connect: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    ...options,
  });
  const socket = () => {
    const last = sockets.at(-1);
    if (!last) throw new Error('no socket opened');
    return last;
  };
  return { connection, sockets, socket, timers, batches, states };
}

const tickMessage = (tick: number) => ({ type: 'tick', data: { season_id: 7, tick, ts: tick, time: '', entries: [] } });

describe('LiveConnection', () => {
  it('subscribes to its season when the socket opens, from the tick the caller has', () => {
    const { connection, socket, states } = setup({ fromTick: () => 42 });
    connection.start();
    socket().onopen?.({});
    expect(socket().url).toBe('ws://arena/api/v1/ws');
    expect(socket().sent.map((text) => JSON.parse(text))).toEqual([{ type: 'subscribe', data: { season_id: 7, from_tick: 42 } }]);
    expect(states).toEqual(['connecting', 'open']);
  });

  it('authenticates first when a token is known', () => {
    const { connection, socket } = setup({ token: () => 'secret' });
    connection.start();
    socket().onopen?.({});
    expect(socket().sent.map((text) => JSON.parse(text).type)).toEqual(['auth', 'subscribe']);
  });

  it('hands messages over in batches, oldest first, ignoring what it cannot read', () => {
    const { connection, socket, timers, batches } = setup();
    connection.start();
    socket().onopen?.({});
    socket().receive(tickMessage(1));
    socket().receive('not json');
    socket().receive({ type: 'something-new', data: {} });
    socket().receive(tickMessage(2));
    expect(batches).toHaveLength(0); // not before the flush timer
    expect(timers.runAll()).toEqual([100]);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.map((message) => (message.type === 'tick' ? message.data.tick : null))).toEqual([1, 2]);
  });

  it('reconnects with growing waits and resumes from the tick it has now', () => {
    let have = 10;
    const { connection, sockets, socket, timers, batches, states } = setup({ fromTick: () => have });
    connection.start();
    socket().onopen?.({});
    socket().receive(tickMessage(10));
    have = 11;
    socket().drop();
    expect(batches).toHaveLength(1); // what came before the drop is delivered at once
    expect(states.at(-1)).toBe('reconnecting');

    expect(timers.runAll()).toEqual([1000]);
    expect(sockets).toHaveLength(2);
    socket().drop(); // refused again
    expect(timers.runAll()).toEqual([2000]);
    socket().onopen?.({});
    expect(JSON.parse(socket().sent[0] ?? '{}')).toEqual({ type: 'subscribe', data: { season_id: 7, from_tick: 11 } });
    expect(states.at(-1)).toBe('open');

    socket().drop(); // a successful open resets the back-off
    expect(timers.runAll()).toEqual([1000]);
  });

  it('stops for good: closes the socket, delivers nothing more, never reconnects', () => {
    const { connection, sockets, socket, timers, batches, states } = setup();
    connection.start();
    const first = socket();
    first.onopen?.({});
    first.receive(tickMessage(1));
    connection.stop();
    expect(first.closed).toBe(1000);
    timers.runAll();
    expect(batches).toHaveLength(0);
    expect(sockets).toHaveLength(1);
    expect(states.at(-1)).toBe('closed');
  });
});

describe('retryDelay', () => {
  it('doubles up to its cap', () => {
    expect([0, 1, 2, 3, 10].map((attempt) => retryDelay(attempt, 500, 3000))).toEqual([500, 1000, 2000, 3000, 3000]);
  });
});

describe('parseMessage', () => {
  it('reads an envelope of a known type', () => {
    expect(parseMessage(JSON.stringify(tickMessage(3)))?.type).toBe('tick');
  });

  it('refuses what is not an envelope', () => {
    expect(parseMessage('[1, 2]')).toBeNull();
    expect(parseMessage(JSON.stringify({ type: 'tick' }))).toBeNull();
    expect(parseMessage(new ArrayBuffer(2))).toBeNull();
  });
});
