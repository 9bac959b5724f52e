// Keep a series page current while its windows run, from the WebSocket (no polling): a tick
// moves its window's progress, a status change (a window finished...) refetches the series and
// so its aggregate.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

import { authMessage, liveUrl, parseMessage, subscribeMessage } from '../../live/messages';
import { getToken } from '../../lib/token';
import { seriesQuery, type Series } from './seriesQueries';

/** Subscribe to each running window's season (`runningIds`: sorted, comma-joined, stable). */
export function useWindowsLive(seriesId: number, runningIds: string) {
  const client = useQueryClient();
  useEffect(() => {
    if (!runningIds) return undefined;
    const { queryKey } = seriesQuery(seriesId);
    const sockets = runningIds.split(',').map((id) => {
      const socket = new WebSocket(liveUrl());
      socket.onopen = () => {
        const token = getToken(); // needed only beyond loopback
        if (token) socket.send(authMessage(token));
        socket.send(subscribeMessage(Number(id)));
      };
      socket.onmessage = (event: MessageEvent<unknown>) => {
        const message = parseMessage(event.data);
        if (message?.type === 'tick') {
          const done = message.data.tick + 1;
          client.setQueryData<Series>(queryKey, (series) => series && {
            ...series,
            windows: series.windows.map((window) =>
              window.season_id === Number(id) && window.ticks_done < done ? { ...window, ticks_done: done } : window),
          });
        } else if (message?.type === 'status' && message.data.status !== 'running') {
          void client.invalidateQueries({ queryKey });
        }
      };
      return socket;
    });
    return () => sockets.forEach((socket) => socket.close());
  }, [client, seriesId, runningIds]);
}
