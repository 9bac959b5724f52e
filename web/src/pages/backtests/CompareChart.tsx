// Two or three runs' equity curves on one chart, one colour and line style per run.
import { LineSeries, LineStyle } from 'lightweight-charts';
import { useEffect } from 'react';

import { chartTime, removeSeries, useChart } from '../../components/charts/useChart';
import type { EquityAt } from './drawdown';

export interface CompareSeries {
  id: number;
  color: string;
  points: readonly EquityAt[];
}

/** The line style per position: colour is never the only way to tell the runs apart. */
export const RUN_STYLES = [LineStyle.Solid, LineStyle.Dashed, LineStyle.Dotted] as const;

export function CompareChart({ series, height = 380 }: { series: readonly CompareSeries[]; height?: number }) {
  const { ref, chart } = useChart();

  useEffect(() => {
    if (!chart) return undefined;
    const added = series.map((run, index) => {
      const line = chart.addSeries(LineSeries, {
        color: run.color, lineWidth: 2, lineStyle: RUN_STYLES[index % RUN_STYLES.length], title: `#${run.id}`,
        priceLineVisible: false,
      });
      line.setData(run.points.map((p) => ({ time: chartTime(p.ts), value: p.equity })));
      return line;
    });
    chart.timeScale().fitContent();
    return () => removeSeries(chart, ...added);
  }, [chart, series]);

  return (
    <div
      ref={ref}
      className="chart"
      style={{ height }}
      data-testid="compare-chart"
      data-series={series.length}
      role="img"
      aria-label={`Equity curves of runs ${series.map((s) => `#${s.id}`).join(', ')}`}
    />
  );
}
