// Candles (with volume underneath, optional) and markers: the market page, a season's coin
// with an entry's fills, a backtest with its entries and exits.
import {
  CandlestickSeries,
  createSeriesMarkers,
  HistogramSeries,
  type ISeriesApi,
  type SeriesMarker,
  type SeriesType,
  type Time,
} from 'lightweight-charts';
import { useEffect } from 'react';

import { chartTime, onLiveChart, removeSeries, themeColor, useChart } from './useChart';

export interface Bar {
  ts: number; // epoch ms, the bar's open
  open: number;
  high: number;
  low: number;
  close: number;
  volume?: number;
}

export interface Marker {
  ts: number;
  side: 'buy' | 'sell';
  text?: string;
}

export function CandleChart({
  bars,
  markers = [],
  volume = false,
  height = 420,
  testId = 'candle-chart',
}: {
  bars: Bar[];
  markers?: Marker[];
  volume?: boolean;
  height?: number;
  testId?: string;
}) {
  const { ref, chart } = useChart();

  useEffect(() => {
    if (!chart) return undefined;
    const up = themeColor('--gain', '#3fb97f');
    const down = themeColor('--loss', '#ef5d5d');
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: up, downColor: down, borderVisible: false, wickUpColor: up, wickDownColor: down,
    });
    candles.setData(bars.map((bar) => ({ time: chartTime(bar.ts), open: bar.open, high: bar.high, low: bar.low, close: bar.close })));
    const added: ISeriesApi<SeriesType>[] = [candles];
    if (volume) {
      const histogram = chart.addSeries(HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: '' });
      histogram.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
      candles.priceScale().applyOptions({ scaleMargins: { top: 0.05, bottom: 0.25 } });
      histogram.setData(bars.map((bar) => ({
        time: chartTime(bar.ts), value: bar.volume ?? 0, color: bar.close >= bar.open ? `${up}80` : `${down}80`,
      })));
      added.push(histogram);
    }
    const sorted: SeriesMarker<Time>[] = [...markers]
      .sort((a, b) => a.ts - b.ts)
      .map((marker) => ({
        time: chartTime(marker.ts),
        position: marker.side === 'buy' ? 'belowBar' : 'aboveBar',
        shape: marker.side === 'buy' ? 'arrowUp' : 'arrowDown',
        color: marker.side === 'buy' ? up : down,
        text: marker.text ?? (marker.side === 'buy' ? 'B' : 'S'),
      }));
    const plugin = createSeriesMarkers(candles, sorted);
    chart.timeScale().fitContent();
    return () => {
      onLiveChart(chart, () => plugin.detach());
      removeSeries(chart, ...added);
    };
  }, [chart, bars, markers, volume]);

  return <div ref={ref} className="chart" style={{ height }} data-testid={testId} />;
}
