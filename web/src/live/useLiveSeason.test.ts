import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { SocketLike } from './liveConnection';
import type { LiveMessage } from './messages';
import { useLiveSeason } from './useLiveSeason';

class FakeSocket implements SocketLike {
  sent: string[] = [];
  closed = false;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
  }
}

function factory() {
  const sockets: FakeSocket[] = [];
  const connect = () => {
    const socket = new FakeSocket();
    sockets.push(socket);
    return socket;
  };
  return { sockets, connect };
}

describe('useLiveSeason', () => {
  it('opens nothing while disabled', () => {
    const { sockets, connect } = factory();
    const { result } = renderHook(() => useLiveSeason({ seasonId: 3, enabled: false, onMessages: () => {}, connect }));
    expect(sockets).toHaveLength(0);
    expect(result.current).toBe('closed');
  });

  it('subscribes, delivers messages to the latest callback and closes on unmount', async () => {
    const { sockets, connect } = factory();
    const received: string[] = [];
    const { result, rerender, unmount } = renderHook(
      ({ label }) => useLiveSeason({
        seasonId: 3, enabled: true, connect, flushMs: 0, fromTick: () => 5,
        onMessages: (batch: LiveMessage[]) => batch.forEach((message) => received.push(`${label}:${message.type}`)),
      }),
      { initialProps: { label: 'first' } },
    );
    const socket = sockets[0];
    if (!socket) throw new Error('no socket');
    act(() => socket.onopen?.({}));
    expect(result.current).toBe('open');
    expect(JSON.parse(socket.sent[0] ?? '{}')).toEqual({ type: 'subscribe', data: { season_id: 3, from_tick: 5 } });

    rerender({ label: 'second' }); // a new callback does not reconnect
    expect(sockets).toHaveLength(1);
    act(() => socket.onmessage?.({ data: JSON.stringify({ type: 'status', data: { season_id: 3, status: 'running', ticks_done: 0, message: '' } }) }));
    await waitFor(() => expect(received).toEqual(['second:status']));

    unmount();
    expect(socket.closed).toBe(true);
  });
});
