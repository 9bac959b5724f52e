// A coin's candles over the season's window at its timeframe, with the chosen entry's fills as
// markers (buys below the bar, sells above).
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';

import type { Schemas } from '../../api/client';
import { windowCandlesQuery } from '../../api/queries';
import { CandleChart, type Bar } from '../../components/charts/CandleChart';
import { Empty, ErrorState, Skeleton } from '../../components/States';
import { Swatch } from '../../components/Values';
import { coinOf } from '../../lib/format';
import { timeframeMs } from '../../lib/timeframes';
import { fillMarkers } from './markers';
import { entryFillsQuery } from './seasonQueries';

type Season = Schemas['SeasonOut'];

export function CoinChart({ season, symbol, entry, color }: { season: Season; symbol: string; entry: string | null; color: string }) {
  const exchange = typeof season.config.exchange === 'string' ? season.config.exchange : 'binance';
  const candles = useQuery(windowCandlesQuery({ exchange, symbol, timeframe: season.timeframe, start: season.start, end: season.end }));
  const fills = useQuery({ ...entryFillsQuery(season.id, entry ?? '', symbol), enabled: entry !== null });
  const step = timeframeMs(season.timeframe) ?? 3_600_000;

  const bars = useMemo<Bar[]>(
    () => (candles.data?.candles ?? []).map(({ ts, open, high, low, close, volume }) => ({ ts, open, high, low, close, volume })),
    [candles.data],
  );
  const markers = useMemo(() => fillMarkers(fills.data?.fills ?? [], step), [fills.data, step]);

  if (candles.isPending) return <Skeleton rows={10} label="Loading candles" />;
  if (candles.error) return <ErrorState error={candles.error} title="Could not load the candles" />;
  if (bars.length === 0) {
    return <Empty>No {coinOf(symbol)} bars stored for this season's window: load them with `arena data fetch` (Data page).</Empty>;
  }
  return (
    <div data-testid="coin-chart">
      <p className="chart-caption muted">
        {coinOf(symbol)} · {season.timeframe} bars ·{' '}
        {entry === null ? (
          'pick an entry above to mark its fills'
        ) : fills.isPending ? (
          'loading fills…'
        ) : fills.error ? (
          <span className="loss">fills could not be loaded</span>
        ) : (
          <span data-testid="marked-fills">
            <Swatch color={color} />
            {entry}: <span data-testid="marked-fill-count">{fills.data?.fills.length ?? 0}</span> fills marked
            {fills.data && fills.data.total > fills.data.fills.length && ` (the first of ${fills.data.total})`}
          </span>
        )}
        {candles.data?.truncated && <span className="warn"> · only the newest {bars.length.toLocaleString('en-US')} bars</span>}
      </p>
      <CandleChart bars={bars} markers={markers} volume height={440} testId="season-candles" />
    </div>
  );
}
