// Two or three stored runs side by side: their equity curves overlaid (one colour and line
// style per run) and every metric with each run's difference from the first.
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';

import { Empty, ErrorState, QueryView, Skeleton } from '../../components/States';
import { Swatch } from '../../components/Values';
import { PALETTE } from '../../lib/colors';
import { CompareChart, type CompareSeries } from './CompareChart';
import { parseCompareIds } from './compareIds';
import { compareRows, deltaTone, formatDelta } from './compare';
import { formatMetric, metricTone } from './metrics';
import { compareQuery, equityQuery } from './queries';

/** One colour per position (colour-blind-safe, far apart), with a line style beside it. */
export const RUN_COLORS = [PALETTE[9], PALETTE[10], PALETTE[2]] as const;
const STYLE_NAMES = ['solid', 'dashed', 'dotted'] as const;

export function ComparePage() {
  const [params] = useSearchParams();
  const ids = parseCompareIds(params.get('ids'));
  if (ids.length < 2) {
    return (
      <Empty>
        Pick two or three runs in the <Link to="/backtests">list of stored runs</Link> and press Compare.
      </Empty>
    );
  }
  return <Comparison ids={ids} />;
}

function Comparison({ ids }: { ids: number[] }) {
  const comparison = useQuery(compareQuery(ids));
  const curves = useQueries({ queries: ids.map((id) => equityQuery(id)) });
  const failed = curves.find((curve) => curve.error);
  const series: CompareSeries[] | null = curves.every((curve) => curve.data)
    ? curves.map((curve, index) => ({ id: ids[index] ?? 0, color: RUN_COLORS[index] ?? PALETTE[0], points: curve.data?.items ?? [] }))
    : null;

  return (
    <div className="bt-stack" data-testid="compare-view">
      <h2>Comparing runs {ids.map((id) => `#${id}`).join(', ')}</h2>
      <section className="panel bt-stack" aria-labelledby="compare-chart-title">
        <h3 id="compare-chart-title">Equity</h3>
        <ul className="bt-legend-list" aria-label="Runs">
          {ids.map((id, index) => (
            <li key={id}>
              <Swatch color={RUN_COLORS[index] ?? PALETTE[0]} dashed={index > 0} /> <Link to={`/backtests/${id}`}>#{id}</Link>{' '}
              <span className="muted">({STYLE_NAMES[index]} line)</span>
            </li>
          ))}
        </ul>
        {failed ? <ErrorState error={failed.error} /> : series ? <CompareChart series={series} /> : <Skeleton rows={8} label="Loading the equity curves" />}
      </section>
      <section className="panel bt-stack" aria-labelledby="compare-table-title">
        <h3 id="compare-table-title">Metrics, and each run's difference from #{ids[0]}</h3>
        <QueryView query={comparison} rows={12}>
          {(data) => (
            <div className="table-wrap">
              <table data-testid="compare-table">
                <thead>
                  <tr>
                    <th scope="col">Metric</th>
                    {data.runs.map((run, index) => (
                      <th key={run.id} scope="col" className="num">
                        <Swatch color={RUN_COLORS[index] ?? PALETTE[0]} dashed={index > 0} />#{run.id} {run.strategy}
                        <div className="muted">{Object.entries(run.config.params as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(' ') || 'defaults'}</div>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {compareRows(data.metrics).map((row) => (
                    <tr key={row.spec.key} data-testid={`compare-row-${row.spec.key}`}>
                      <th scope="row" title={row.spec.hint}>
                        {row.spec.label}
                      </th>
                      {row.values.map((value, index) => (
                        <td key={index} className="num">
                          <span className={metricTone(row.spec.kind, value)}>{formatMetric(row.spec.kind, value)}</span>
                          {index > 0 && row.deltas[index] !== null && (
                            <span className={`bt-delta ${deltaTone(row.spec.key, row.deltas[index] ?? null)}`} data-testid="delta">
                              {formatDelta(row.spec, row.deltas[index] ?? null)}
                            </span>
                          )}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </section>
    </div>
  );
}
