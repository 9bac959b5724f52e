// Every entry's account value over time on one chart: a line per entry in its colour
// (baselines grey and dashed), its name and value on the price axis at the end of its line,
// money or return since the start, linear or log, and a legend that follows the crosshair
// with every entry's value at that moment.
import {
  LineSeries,
  LineStyle,
  PriceScaleMode,
  type ISeriesApi,
  type MouseEventParams,
  type Time,
} from 'lightweight-charts';
import { useEffect, useMemo, useRef, useState } from 'react';

import { money, pct, utc } from '../../lib/format';
import { chartTime, onLiveChart, removeSeries, useChart } from './useChart';

export type ValueMode = 'pct' | 'usd';

export interface ChartLine {
  name: string;
  color: string;
  baseline: boolean;
  /** `value`: the account value ('usd') or the growth factor since the start ('pct'). */
  points: Array<{ ts: number; value: number }>;
}

/** How a plotted value reads: money, or a growth factor as a signed return. */
export function formatValue(value: number, mode: ValueMode): string {
  return mode === 'pct' ? pct(value - 1, 1) : `$${money(value)}`;
}

const LEGEND_STYLE = {
  listStyle: 'none', display: 'flex', flexWrap: 'wrap', gap: '2px 14px', padding: 0, margin: '8px 0 0', fontSize: 12,
} as const;

interface LegendRow {
  name: string;
  color: string;
  baseline: boolean;
  value: number | undefined;
}

export function AccountValueChart({
  lines,
  mode,
  log,
  height = 420,
  testId = 'account-value-chart',
}: {
  lines: ChartLine[];
  mode: ValueMode;
  log: boolean;
  height?: number;
  testId?: string;
}) {
  const { ref, chart } = useChart();
  const series = useRef(new Map<string, ISeriesApi<'Line'>>());
  const [hover, setHover] = useState<{ ts: number; values: Map<string, number> } | null>(null);
  // Series are re-created only when the set of lines or their look changes, not on new data.
  const shapeKey = JSON.stringify([mode, lines.map((line) => [line.name, line.color, line.baseline])]);

  useEffect(() => {
    if (!chart) return undefined;
    const created = new Map<string, ISeriesApi<'Line'>>();
    for (const line of lines) {
      created.set(line.name, chart.addSeries(LineSeries, {
        color: line.color,
        lineWidth: line.baseline ? 1 : 2,
        lineStyle: line.baseline ? LineStyle.Dashed : LineStyle.Solid,
        title: line.name,
        lastValueVisible: true,
        priceLineVisible: false,
        priceFormat: { type: 'custom', minMove: 0.0001, formatter: (value: number) => formatValue(value, mode) },
      }));
    }
    series.current = created;
    return () => {
      series.current = new Map();
      removeSeries(chart, ...created.values());
    };
    // `lines` is read for its shape only, which `shapeKey` stands for
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [chart, shapeKey]);

  useEffect(() => {
    if (!chart) return;
    for (const line of lines) {
      series.current.get(line.name)?.setData(line.points.map((point) => ({ time: chartTime(point.ts), value: point.value })));
    }
    chart.timeScale().fitContent();
  }, [chart, lines, shapeKey]);

  useEffect(() => {
    chart?.priceScale('right').applyOptions({ mode: log ? PriceScaleMode.Logarithmic : PriceScaleMode.Normal });
  }, [chart, log]);

  useEffect(() => {
    if (!chart) return undefined;
    const follow = (param: MouseEventParams<Time>) => {
      if (param.time === undefined || !param.point) {
        setHover(null);
        return;
      }
      const values = new Map<string, number>();
      series.current.forEach((item, name) => {
        const data = param.seriesData.get(item);
        if (data && 'value' in data) values.set(name, data.value);
      });
      setHover({ ts: (param.time as number) * 1000, values });
    };
    chart.subscribeCrosshairMove(follow);
    return () => onLiveChart(chart, () => chart.unsubscribeCrosshairMove(follow));
  }, [chart]);

  const legend: LegendRow[] = useMemo(() => {
    const rows = lines.map((line) => ({
      name: line.name,
      color: line.color,
      baseline: line.baseline,
      value: hover ? hover.values.get(line.name) : line.points.at(-1)?.value,
    }));
    return rows.sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity));
  }, [lines, hover]);
  const lastTs = useMemo(() => Math.max(-Infinity, ...lines.map((line) => line.points.at(-1)?.ts ?? -Infinity)), [lines]);
  const legendTs = hover?.ts ?? (Number.isFinite(lastTs) ? lastTs : null);

  return (
    <div className="account-value-chart">
      <div
        ref={ref}
        className="chart"
        style={{ height }}
        data-testid={testId}
        data-series-count={lines.length}
        data-mode={mode}
        data-scale={log ? 'log' : 'linear'}
        role="img"
        aria-label={`Account value of ${lines.length} entries over time`}
      />
      <ul className="chart-legend" style={LEGEND_STYLE} data-testid="chart-legend" aria-label="Values at the crosshair">
        <li className="muted num">{legendTs === null ? '—' : `${utc(legendTs)} UTC`}</li>
        {legend.map((row) => (
          <li key={row.name} data-entry={row.name}>
            <span
              className={`swatch${row.baseline ? ' dashed' : ''}`}
              style={{ borderColor: row.color, background: row.baseline ? 'transparent' : row.color }}
              aria-hidden
            />
            {row.name} <span className="num">{row.value === undefined ? '—' : formatValue(row.value, mode)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
