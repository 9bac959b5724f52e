// A perpetual's funding over the candles' window: the figures, then the histogram.
import { useMemo } from 'react';

import { Empty, ErrorState, Skeleton } from '../../components/States';
import { Pct } from '../../components/Values';
import { pct } from '../../lib/format';
import { FundingChart } from './FundingChart';
import { fundingSummary } from './funding';
import { useFunding } from './queries';

export function FundingPanel({ symbol, startMs }: { symbol: string; startMs: number | null }) {
  const funding = useFunding(symbol, startMs);
  const rates = useMemo(() => funding.data?.rates ?? [], [funding.data]);
  const summary = useMemo(() => fundingSummary(rates), [rates]);
  return (
    <div className="panel" data-testid="funding-panel">
      <div className="panel-head">
        <h2>Funding · {symbol}</h2>
        {rates.length > 0 && (
          <span className="muted small funding-figures" data-testid="funding-summary">
            <span>
              latest <Pct value={summary.latest} digits={4} />
            </span>
            <span>
              mean <Pct value={summary.mean} digits={4} />
            </span>
            <span title="the mean rate times the settlements in a year">
              ≈ <Pct value={summary.annualized} digits={1} /> a year
            </span>
            <span>{pct(summary.positiveShare, 0).replace('+', '')} positive (longs pay)</span>
            <span>{rates.length.toLocaleString('en-US')} settlements</span>
          </span>
        )}
      </div>
      {startMs === null || funding.isPending ? (
        <Skeleton rows={4} label="Loading funding" />
      ) : funding.error ? (
        <ErrorState error={funding.error} title="Could not load funding" />
      ) : rates.length === 0 ? (
        <Empty>No funding stored for {symbol} in this window: download it with `arena data download --funding`.</Empty>
      ) : (
        <FundingChart rates={rates} />
      )}
    </div>
  );
}
