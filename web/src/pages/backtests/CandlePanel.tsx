// The run's symbol over its window as candles, with each trade's entry and exit marked.
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';

import { windowCandlesQuery } from '../../api/queries';
import { CandleChart } from '../../components/charts/CandleChart';
import { Empty, QueryView } from '../../components/States';
import { barMs, displayTimeframe, MAX_CANDLES, tradeMarkers } from './chartData';
import { tradesQuery } from './queries';

export interface RunWindow {
  id: number;
  symbols: string[];
  timeframe: string;
  start: string;
  end: string;
  exchange: string;
}

export function CandlePanel({ run }: { run: RunWindow }) {
  const [symbol, setSymbol] = useState(run.symbols[0] ?? '');
  const span = Date.parse(run.end) - Date.parse(run.start);
  const timeframe = displayTimeframe(run.timeframe, span);
  const candles = useQuery(windowCandlesQuery({ exchange: run.exchange, symbol, timeframe, start: run.start, end: run.end }));
  // markers for the first 1,000 trades (the most one page holds): plenty for a chart
  const trades = useQuery(tradesQuery(run.id, 1000, 0));
  const markers = useMemo(
    () => tradeMarkers(trades.data?.items ?? [], symbol, barMs(timeframe)),
    [trades.data, symbol, timeframe],
  );
  const bars = useMemo(() => candles.data?.candles ?? [], [candles.data]);

  return (
    <div className="bt-stack">
      <div className="bt-head">
        <h3>
          {symbol} · {timeframe}
          {timeframe !== run.timeframe && <span className="muted"> (the run's {run.timeframe} bars, shown as {timeframe}: at most {MAX_CANDLES.toLocaleString('en-US')} candles)</span>}
        </h3>
        {run.symbols.length > 1 && (
          <label>
            Symbol
            <select value={symbol} onChange={(e) => setSymbol(e.target.value)}>
              {run.symbols.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
        )}
      </div>
      <QueryView query={candles} rows={8}>
        {(data) =>
          data.candles.length === 0 ? (
            <Empty>No stored candles of {symbol} in this window: load them with `arena data fetch`.</Empty>
          ) : (
            <CandleChart bars={bars} markers={markers} height={360} testId="run-candles" />
          )
        }
      </QueryView>
      <p className="muted bt-legend">
        ▲ buy (long entry, short exit) · ▼ sell (short entry, long exit){trades.data && trades.data.total > 1000 ? ' · markers of the first 1,000 trades' : ''}
      </p>
    </div>
  );
}
