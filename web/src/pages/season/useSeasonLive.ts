// While the season runs, refresh what the page shows from the WebSocket (no polling): every
// committed tick, decision, fill or status change marks the page's reads stale, at most once
// every REFRESH_MS so a fast replay does not refetch at every tick.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

import { getToken } from '../../lib/token';
import { SEASON_DETAIL_KEY } from './seasonQueries';

const REFRESH_MS = 2_000;
const REFRESHING = new Set(['tick', 'decision', 'fill', 'status']);

function liveUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/api/v1/ws`;
}

export function useSeasonLive(seasonId: number, running: boolean) {
  const client = useQueryClient();
  useEffect(() => {
    if (!running) return undefined;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      if (timer !== null) return; // one refresh is already due
      timer = setTimeout(() => {
        timer = null;
        void client.invalidateQueries({ queryKey: [SEASON_DETAIL_KEY, seasonId] });
      }, REFRESH_MS);
    };
    const socket = new WebSocket(liveUrl());
    socket.onopen = () => {
      const token = getToken(); // needed only beyond loopback
      if (token) socket.send(JSON.stringify({ type: 'auth', data: { token } }));
      socket.send(JSON.stringify({ type: 'subscribe', data: { season_id: seasonId } }));
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      const message = JSON.parse(event.data) as { type?: string };
      if (message.type && REFRESHING.has(message.type)) refresh();
    };
    return () => {
      if (timer !== null) clearTimeout(timer);
      socket.onmessage = null;
      // Closing a socket still connecting logs an error in Chrome: close it once open.
      if (socket.readyState === WebSocket.CONNECTING) socket.onopen = () => socket.close();
      else socket.close();
    };
  }, [seasonId, running, client]);
}
