// Keep the seasons list current while seasons run, from the WebSocket (no polling): a tick
// moves its season's progress, a status change (paused, finished...) refetches the list.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

import type { Schemas } from '../../api/client';
import { getToken } from '../../lib/token';
import { SEASONS_KEY, seasonsQuery } from './seasonQueries';

type SeasonPage = Schemas['Page_SeasonOut_'];

function liveUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/api/v1/ws`;
}

/** Subscribe to every running season in `ids` (a sorted, comma-joined list keeps it stable). */
export function useSeasonsLive(runningIds: string) {
  const client = useQueryClient();
  useEffect(() => {
    if (!runningIds) return;
    const sockets = runningIds.split(',').map((id) => {
      const socket = new WebSocket(liveUrl());
      socket.onopen = () => {
        const token = getToken(); // needed only beyond loopback
        if (token) socket.send(JSON.stringify({ type: 'auth', data: { token } }));
        socket.send(JSON.stringify({ type: 'subscribe', data: { season_id: Number(id) } }));
      };
      socket.onmessage = (event: MessageEvent<string>) => {
        const message = JSON.parse(event.data) as { type: string; data: { tick?: number; status?: string } };
        if (message.type === 'tick' && typeof message.data.tick === 'number') {
          const done = message.data.tick + 1;
          client.setQueryData<SeasonPage>(seasonsQuery.queryKey, (page) =>
            page && {
              ...page,
              items: page.items.map((season) =>
                season.id === Number(id) && season.ticks_done < done ? { ...season, ticks_done: done } : season,
              ),
            },
          );
        } else if (message.type === 'status' || message.type === 'subscribed') {
          void client.invalidateQueries({ queryKey: SEASONS_KEY });
        }
      };
      return socket;
    });
    return () =>
      sockets.forEach((socket) => {
        socket.onmessage = null;
        // Closing a socket still connecting logs an error in Chrome: close it once open.
        if (socket.readyState === WebSocket.CONNECTING) socket.onopen = () => socket.close();
        else socket.close();
      });
  }, [runningIds, client]);
}
