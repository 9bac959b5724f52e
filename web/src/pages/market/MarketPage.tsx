// Market: candles with volume for any stored symbol and timeframe, the symbol's funding
// history, and the latest price of each coin. The choice lives in the URL (?symbol=&timeframe=).
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';

import { instrumentsQuery } from '../../api/queries';
import { CandleChart, type Bar } from '../../components/charts/CandleChart';
import { Empty, ErrorState, Skeleton } from '../../components/States';
import { Pct, Time } from '../../components/Values';
import { num } from '../../lib/format';
import { FundingPanel } from './FundingPanel';
import { PriceCards } from './PriceCards';
import { useCandles, useStoredSeries } from './queries';
import { pickSymbol, pickTimeframe, timeframeOptions } from './timeframes';
import './market.css';

const BAR_COUNTS = [250, 1000, 5000];

export default function MarketPage() {
  const [params, setParams] = useSearchParams();
  const instruments = useQuery(instrumentsQuery);
  const stored = useStoredSeries();

  const all = useMemo(() => instruments.data?.items ?? [], [instruments.data]);
  const perpetuals = all.filter((item) => item.market_type === 'swap').map((item) => item.symbol);
  const symbol = pickSymbol(all.map((item) => item.symbol), params.get('symbol'));
  const options = useMemo(
    () => (symbol ? timeframeOptions(stored.data?.items ?? [], symbol) : []),
    [stored.data, symbol],
  );
  const timeframe = pickTimeframe(options, params.get('timeframe'));
  const bars = BAR_COUNTS.includes(Number(params.get('bars'))) ? Number(params.get('bars')) : 1000;
  const instrument = all.find((item) => item.symbol === symbol);

  const choose = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) next.set(key, value);
    setParams(next, { replace: false });
  };
  const linkFor = (coin: string) => {
    const next = new URLSearchParams(params);
    next.set('symbol', coin);
    return `/market?${next.toString()}`;
  };

  if (instruments.isPending || stored.isPending) {
    return (
      <section className="page market-page">
        <h1>Market</h1>
        <Skeleton rows={8} label="Loading instruments" />
      </section>
    );
  }
  if (instruments.error || stored.error) {
    return (
      <section className="page market-page">
        <h1>Market</h1>
        <ErrorState error={instruments.error ?? stored.error} title="Could not load the stored instruments" />
      </section>
    );
  }
  if (!symbol) {
    return (
      <section className="page market-page">
        <h1>Market</h1>
        <Empty>No market data stored yet: run `arena data load-sample` (the bundled sample) or `arena data download`.</Empty>
      </section>
    );
  }

  return (
    <section className="page market-page">
      <h1>Market</h1>
      <PriceCards
        symbols={perpetuals.length ? perpetuals : all.map((item) => item.symbol)}
        ticks={new Map(all.map((item) => [item.symbol, item.price_tick]))}
        selected={symbol}
        linkFor={linkFor}
      />

      <div className="row market-pickers">
        <label>
          Symbol
          <select value={symbol} onChange={(event) => choose({ symbol: event.target.value })} data-testid="symbol-picker">
            {[['Perpetuals', 'swap'], ['Spot', 'spot']].map(([label, type]) => {
              const group = all.filter((item) => item.market_type === type);
              return group.length ? (
                <optgroup key={type} label={label}>
                  {group.map((item) => (
                    <option key={item.symbol} value={item.symbol}>
                      {item.symbol}
                    </option>
                  ))}
                </optgroup>
              ) : null;
            })}
          </select>
        </label>
        <label>
          Timeframe
          <select
            value={timeframe ?? ''}
            onChange={(event) => choose({ timeframe: event.target.value })}
            data-testid="timeframe-picker"
            disabled={options.length === 0}
          >
            {options.map((option) => (
              <option key={option.value} value={option.value}>
                {option.value}
                {option.stored ? '' : ' (resampled)'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Bars
          <select value={bars} onChange={(event) => choose({ bars: event.target.value })} data-testid="bars-picker">
            {BAR_COUNTS.map((count) => (
              <option key={count} value={count}>
                newest {count.toLocaleString('en-US')}
              </option>
            ))}
          </select>
        </label>
        {instrument && (
          <span className="muted small">
            tick {instrument.price_tick} · step {instrument.amount_step} · max leverage {instrument.max_leverage}× · taker{' '}
            {num(instrument.taker_fee * 100, 3)}%
          </span>
        )}
      </div>

      <CandlePanel symbol={symbol} timeframe={timeframe} bars={bars} />
      {instrument?.market_type === 'swap' ? (
        <FundingPanelFor symbol={symbol} timeframe={timeframe} bars={bars} />
      ) : (
        <div className="panel">
          <h2>Funding</h2>
          <Empty>Spot markets have no funding: pick a perpetual (a symbol ending in :USDT) to see its funding rates.</Empty>
        </div>
      )}
    </section>
  );
}

function useBars(symbol: string, timeframe: string | null, bars: number) {
  const candles = useCandles(symbol, timeframe, bars);
  const data = useMemo<Bar[]>(
    () =>
      (candles.data?.candles ?? []).map((bar) => ({
        ts: bar.ts, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume,
      })),
    [candles.data],
  );
  return { candles, data };
}

function CandlePanel({ symbol, timeframe, bars }: { symbol: string; timeframe: string | null; bars: number }) {
  const { candles, data } = useBars(symbol, timeframe, bars);
  const first = data[0];
  const last = data[data.length - 1];
  return (
    <div className="panel" data-testid="candle-panel">
      <div className="panel-head">
        <h2>
          {symbol} · {timeframe ?? '—'}
        </h2>
        {first && last && (
          <span className="muted small" data-testid="candle-range">
            {data.length.toLocaleString('en-US')} bars · <Time ts={first.ts} /> → <Time ts={last.ts} /> · close{' '}
            <span className="num">{num(last.close, last.close >= 1000 ? 2 : 4)}</span>{' '}
            <Pct value={last.close / first.open - 1} digits={2} />
            {candles.data?.truncated ? ' · older bars left out' : ''}
          </span>
        )}
      </div>
      {timeframe === null ? (
        <Empty>No candles stored for {symbol}: download them with `arena data download`.</Empty>
      ) : candles.isPending ? (
        <Skeleton rows={10} label="Loading candles" />
      ) : candles.error ? (
        <ErrorState error={candles.error} title="Could not load candles" />
      ) : data.length === 0 ? (
        <Empty>No {timeframe} candles stored for {symbol}: try another timeframe.</Empty>
      ) : (
        <CandleChart bars={data} volume height={440} />
      )}
    </div>
  );
}

function FundingPanelFor({ symbol, timeframe, bars }: { symbol: string; timeframe: string | null; bars: number }) {
  const { data } = useBars(symbol, timeframe, bars);
  return <FundingPanel symbol={symbol} startMs={data[0]?.ts ?? null} />;
}
