// Sweeps: one strategy over a grid of its parameters (POST /backtests/sweeps, the service
// `arena backtest sweep` runs), the combinations ranked, and a heat map of two parameters.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { api, unwrap, type Schemas } from '../../api/client';
import { instrumentsQuery, strategiesQuery } from '../../api/queries';
import { Empty, ErrorState, Skeleton } from '../../components/States';
import { useTokenWrite, WriteError } from '../../components/useTokenWrite';
import { Heatmap } from './Heatmap';
import { formatMetric, HEADLINE, metricSpec, metricTone } from './metrics';
import { OverfittingNote } from './OverfittingNote';
import { sweepLimitsQuery } from './queries';
import { SweepForm } from './SweepForm';

type SweepOut = Schemas['SweepOut'];

export function SweepPage() {
  const strategies = useQuery(strategiesQuery);
  const instruments = useQuery(instrumentsQuery);
  const limits = useQuery(sweepLimitsQuery);
  const sweep = useTokenWrite(async (body: Schemas['SweepRequest']) => unwrap(await api.POST('/api/v1/backtests/sweeps', { body })));

  if (strategies.isPending || instruments.isPending || limits.isPending) return <Skeleton rows={8} label="Loading the sweep form" />;
  if (strategies.error || instruments.error || limits.error) return <ErrorState error={strategies.error ?? instruments.error ?? limits.error} />;

  return (
    <div className="bt-layout">
      <SweepForm strategies={strategies.data.items} instruments={instruments.data.items} limits={limits.data} running={sweep.isPending} onRun={(request) => sweep.mutate(request)} />
      <div className="bt-stack">
        <WriteError error={sweep.error} testId="sweep-error" />
        {sweep.isPending && <Skeleton rows={10} label="Running the sweep" />}
        {!sweep.isPending && sweep.data && <SweepResults key={JSON.stringify(sweep.data.grid)} sweep={sweep.data} />}
        {!sweep.isPending && !sweep.data && !sweep.error && (
          <Empty>Give one or two parameters a range or a list, and press Run sweep: the combinations come back ranked, with a heat map. Nothing is stored; run the best one as a backtest to keep it.</Empty>
        )}
      </div>
    </div>
  );
}

const COLUMNS = ['total_return', 'max_drawdown', 'sharpe', 'sortino', 'calmar', 'win_rate', 'trade_count', 'fees_paid'];

export function SweepResults({ sweep }: { sweep: SweepOut }) {
  const swept = Object.keys(sweep.grid);
  const [x, setX] = useState(swept[0] ?? '');
  const [y, setY] = useState<string | null>(swept[1] ?? null);
  const [metric, setMetric] = useState(sweep.rank_by);
  // The deflated Sharpe ratio right after the Sharpe ratio it deflates.
  const columns = [...new Set([sweep.rank_by, ...COLUMNS])].flatMap((key) => (key === 'sharpe' ? [key, 'deflated_sharpe'] : [key]));
  const fixed = Object.entries(sweep.results[0]?.params ?? {}).filter(([name]) => !swept.includes(name));

  return (
    <>
      <section className="panel bt-stack" aria-labelledby="heatmap-title">
        <div className="bt-head">
          <h2 id="heatmap-title">Heat map</h2>
          <span className="row">
            <label>
              Across
              <select value={x} onChange={(e) => setX(e.target.value)} data-testid="heatmap-x">
                {swept.map((name) => (
                  <option key={name}>{name}</option>
                ))}
              </select>
            </label>
            <label>
              Down
              <select value={y ?? ''} onChange={(e) => setY(e.target.value || null)} data-testid="heatmap-y">
                <option value="">(none)</option>
                {swept
                  .filter((name) => name !== x)
                  .map((name) => (
                    <option key={name}>{name}</option>
                  ))}
              </select>
            </label>
            <label>
              Colour by
              <select value={metric} onChange={(e) => setMetric(e.target.value)} data-testid="heatmap-metric">
                {[...new Set([sweep.rank_by, ...HEADLINE.map((spec) => spec.key), 'deflated_sharpe'])].map((key) => (
                  <option key={key} value={key}>
                    {metricSpec(key).label}
                  </option>
                ))}
              </select>
            </label>
          </span>
        </div>
        <Heatmap results={sweep.results} axes={sweep.grid} x={x} y={y === x ? null : y} metric={metric} />
      </section>
      <section className="panel bt-stack" aria-labelledby="ranked-title">
        <h2 id="ranked-title">
          {sweep.results.length} combinations of {sweep.strategy} on {sweep.symbol} {sweep.timeframe}, ranked by {metricSpec(sweep.rank_by).label}
        </h2>
        <p className="muted">
          {sweep.start.slice(0, 10)} → {sweep.end.slice(0, 10)} UTC
          {fixed.length > 0 && ` · fixed: ${fixed.map(([k, v]) => `${k}=${v}`).join(' ')}`}
          {sweep.skipped.length > 0 && ` · ${sweep.skipped.length} skipped as invalid`}
        </p>
        <div className="table-wrap">
          <table data-testid="sweep-table">
            <thead>
              <tr>
                <th scope="col" className="num">Rank</th>
                {swept.map((name) => (
                  <th key={name} scope="col" className="num">
                    {name}
                  </th>
                ))}
                {columns.map((key) => (
                  <th key={key} scope="col" className="num" title={metricSpec(key).hint}>
                    {metricSpec(key).label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {sweep.results.map((result) => (
                <tr key={result.rank} data-testid="sweep-row">
                  <td className="num">{result.rank}</td>
                  {swept.map((name) => (
                    <td key={name} className="num">
                      {result.params[name]}
                    </td>
                  ))}
                  {columns.map((key) => {
                    const spec = metricSpec(key);
                    return (
                      <td key={key} className={`num ${metricTone(spec.kind, result.metrics[key])}`} data-metric={key} data-value={result.metrics[key] ?? ''}>
                        {formatMetric(spec.kind, result.metrics[key])}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <OverfittingNote overfitting={sweep.overfitting} />
        {sweep.skipped.length > 0 && (
          <details data-testid="sweep-skipped">
            <summary>{sweep.skipped.length} combinations skipped</summary>
            <ul>
              {sweep.skipped.map((item, index) => (
                <li key={index}>
                  {Object.entries(item.params)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(' ')}
                  : {item.reason}
                </li>
              ))}
            </ul>
          </details>
        )}
      </section>
    </>
  );
}
