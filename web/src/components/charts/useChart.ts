// One lightweight-charts chart bound to a container: themed from the page's CSS variables,
// resized with its container, removed on unmount. Pages add their own series to it.
import {
  createChart,
  type ChartOptions,
  type DeepPartial,
  type IChartApi,
  type ISeriesApi,
  type SeriesType,
} from 'lightweight-charts';
import { useEffect, useRef, useState, type RefObject } from 'react';

// Charts this hook removed. A component's effects clean up in order, so on unmount the chart
// is gone before the effects that added series to it undo them.
const removedCharts = new WeakSet<IChartApi>();

/** Undo something done to a chart (a series, a subscription), unless the chart was removed. */
export function onLiveChart(chart: IChartApi, undo: () => void): void {
  if (!removedCharts.has(chart)) undo();
}

/** Remove series from a chart, unless the chart itself was removed (they went with it). */
export function removeSeries(chart: IChartApi, ...series: ISeriesApi<SeriesType>[]): void {
  onLiveChart(chart, () => series.forEach((item) => chart.removeSeries(item)));
}

/** A colour of the current theme (a CSS variable of <html>), for what a chart draws. */
export function themeColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/** Chart options that follow the current theme. */
export function themedOptions(): DeepPartial<ChartOptions> {
  const text = themeColor('--muted', '#9aa3ae');
  const border = themeColor('--border', '#2a313b');
  return {
    layout: { background: { color: 'transparent' }, textColor: text, attributionLogo: true },
    grid: { vertLines: { color: border }, horzLines: { color: border } },
    rightPriceScale: { borderColor: border },
    timeScale: { borderColor: border, timeVisible: true, secondsVisible: false },
    localization: {
      // the time axis and crosshair read UTC, like every table
      timeFormatter: (time: number) => new Date(time * 1000).toISOString().slice(0, 16).replace('T', ' '),
    },
  };
}

/**
 * Create a chart in the returned ref's element. `chart` is null until mounted; re-created when
 * the theme changes (the `data-theme` attribute of <html>).
 */
export function useChart(options: DeepPartial<ChartOptions> = {}): {
  ref: RefObject<HTMLDivElement | null>;
  chart: IChartApi | null;
} {
  const ref = useRef<HTMLDivElement | null>(null);
  const [chart, setChart] = useState<IChartApi | null>(null);
  const [theme, setTheme] = useState(() => document.documentElement.dataset.theme ?? 'dark');
  const optionsKey = JSON.stringify(options);

  useEffect(() => {
    const observer = new MutationObserver(() => setTheme(document.documentElement.dataset.theme ?? 'dark'));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    const created = createChart(element, { ...themedOptions(), ...JSON.parse(optionsKey), autoSize: true });
    setChart(created);
    return () => {
      setChart(null);
      removedCharts.add(created);
      created.remove();
    };
  }, [theme, optionsKey]);

  return { ref, chart };
}

/** Epoch milliseconds as the chart's time (seconds). */
export function chartTime(ms: number) {
  return Math.floor(ms / 1000) as import('lightweight-charts').UTCTimestamp;
}
