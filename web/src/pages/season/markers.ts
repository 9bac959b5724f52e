// An entry's fills as chart markers: buys below the bar, sells above, one marker per bar and
// side (with the count when several fills share it), at the open of the bar they fell in.
import type { Schemas } from '../../api/client';
import type { Marker } from '../../components/charts/CandleChart';

type Fill = Pick<Schemas['FillOut'], 'ts' | 'side' | 'quantity'>;

/** The open time of the bar that holds `ts`. */
export function barOpen(ts: number, stepMs: number): number {
  return Math.floor(ts / stepMs) * stepMs;
}

export function fillMarkers(fills: readonly Fill[], stepMs: number): Marker[] {
  const groups = new Map<string, { ts: number; side: 'buy' | 'sell'; count: number }>();
  for (const fill of fills) {
    const side = fill.side === 'sell' ? 'sell' : 'buy';
    const ts = barOpen(fill.ts, stepMs);
    const key = `${ts}:${side}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { ts, side, count: 1 });
  }
  return [...groups.values()]
    .sort((a, b) => a.ts - b.ts || a.side.localeCompare(b.side))
    .map(({ ts, side, count }) => ({ ts, side, text: `${side === 'buy' ? 'B' : 'S'}${count > 1 ? `×${count}` : ''}` }));
}
