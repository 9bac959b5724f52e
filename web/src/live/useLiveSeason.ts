// React's handle on a season's live feed: connected while `enabled`, closed on unmount or when
// the season changes. The callbacks may change every render without reconnecting.
import { useEffect, useEffectEvent, useState } from 'react';

import { getToken } from '../lib/token';
import { LiveConnection, type ConnectionState, type SocketFactory } from './liveConnection';
import { liveUrl, type LiveMessage } from './messages';

export interface UseLiveSeason {
  seasonId: number | null;
  enabled: boolean;
  onMessages: (batch: LiveMessage[]) => void;
  fromTick?: () => number | undefined;
  connect?: SocketFactory;
  flushMs?: number;
}

export function useLiveSeason({ seasonId, enabled, onMessages, fromTick, connect, flushMs }: UseLiveSeason): ConnectionState {
  const [state, setState] = useState<ConnectionState>('closed');
  const deliver = useEffectEvent((batch: LiveMessage[]) => onMessages(batch));
  const resumeFrom = useEffectEvent(() => fromTick?.());

  useEffect(() => {
    if (!enabled || seasonId === null) return undefined;
    const connection = new LiveConnection({
      url: liveUrl(),
      seasonId,
      onMessages: (batch) => deliver(batch),
      fromTick: () => resumeFrom(),
      onState: setState,
      token: getToken,
      connect,
      flushMs,
    });
    connection.start();
    return () => connection.stop();
  }, [enabled, seasonId, connect, flushMs]);

  return enabled ? state : 'closed';
}
