// A run's equity curve with its drawdown underneath (a second pane on the same time axis).
import { AreaSeries, LineSeries } from 'lightweight-charts';
import { useEffect, useMemo } from 'react';

import { chartTime, removeSeries, themeColor, useChart } from '../../components/charts/useChart';
import { drawdownFromEquity, type EquityAt } from './drawdown';

export function EquityChart({ points, height = 380 }: { points: readonly EquityAt[]; height?: number }) {
  const { ref, chart } = useChart();
  const drawdown = useMemo(() => drawdownFromEquity(points), [points]);

  useEffect(() => {
    if (!chart) return undefined;
    const accent = themeColor('--accent', '#4f9dff');
    const loss = themeColor('--loss', '#ef5d5d');
    const equity = chart.addSeries(LineSeries, { color: accent, lineWidth: 2, title: 'Equity', priceLineVisible: false });
    equity.setData(points.map((p) => ({ time: chartTime(p.ts), value: p.equity })));
    const under = chart.addSeries(
      AreaSeries,
      {
        lineColor: loss, topColor: `${loss}22`, bottomColor: `${loss}88`, lineWidth: 1, title: 'Drawdown',
        invertFilledArea: true, priceLineVisible: false,
        priceFormat: { type: 'custom', formatter: (value: number) => `${(value * 100).toFixed(1)}%`, minMove: 0.0001 },
      },
      1,
    );
    under.setData(drawdown.map((p) => ({ time: chartTime(p.ts), value: p.drawdown })));
    chart.panes()[1]?.setStretchFactor(0.35);
    chart.panes()[0]?.setStretchFactor(0.65);
    chart.timeScale().fitContent();
    return () => removeSeries(chart, under, equity);
  }, [chart, points, drawdown]);

  return (
    <div
      ref={ref}
      className="chart"
      style={{ height }}
      data-testid="equity-chart"
      role="img"
      aria-label="Equity curve, with the drawdown from its running peak underneath"
    />
  );
}
