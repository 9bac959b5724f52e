// A symbol's funding settlements as a histogram of signed percentages, on the shared chart hook.
import { HistogramSeries } from 'lightweight-charts';
import { useEffect, useMemo } from 'react';

import { removeSeries, themeColor, useChart } from '../../components/charts/useChart';
import { pct } from '../../lib/format';
import { fundingBars, type Settlement } from './funding';

export function FundingChart({ rates, height = 200 }: { rates: Settlement[]; height?: number }) {
  const options = useMemo(() => ({ rightPriceScale: { scaleMargins: { top: 0.1, bottom: 0.1 } } }), []);
  const { ref, chart } = useChart(options);

  useEffect(() => {
    if (!chart) return undefined;
    const series = chart.addSeries(HistogramSeries, {
      // the value is already in percent: print it signed, like every rate on the page
      priceFormat: { type: 'custom', minMove: 0.0001, formatter: (value: number) => pct(value / 100, 4) },
      base: 0,
    });
    series.setData(fundingBars(rates, { gain: themeColor('--gain', '#3fb97f'), loss: themeColor('--loss', '#ef5d5d') }));
    chart.timeScale().fitContent();
    return () => removeSeries(chart, series);
  }, [chart, rates]);

  return <div ref={ref} className="chart" style={{ height }} data-testid="funding-chart" />;
}
