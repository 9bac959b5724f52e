// The stored runs, newest first, with boxes to pick two or three of them to compare.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';

import { Pager } from '../../components/Pager';
import { QueryView } from '../../components/States';
import { Time } from '../../components/Values';
import { MAX_COMPARED } from './compareIds';
import { formatMetric, metricTone } from './metrics';
import { runListQuery } from './queries';

const PAGE = 20;

export function RunList() {
  const navigate = useNavigate();
  const [offset, setOffset] = useState(0);
  const [picked, setPicked] = useState<number[]>([]);
  const runs = useQuery(runListQuery(PAGE, offset));
  const toggle = (id: number, on: boolean) =>
    setPicked((old) => (on ? [...old.filter((x) => x !== id), id].slice(-MAX_COMPARED) : old.filter((x) => x !== id)));

  return (
    <section className="panel bt-stack" aria-labelledby="runs-title" data-testid="run-list">
      <div className="bt-head">
        <h2 id="runs-title">Stored runs</h2>
        <span className="row">
          <span className="muted">{picked.length ? `Picked ${picked.map((id) => `#${id}`).join(', ')}` : `Pick 2 or 3 to compare`}</span>
          <button
            type="button"
            className="primary"
            disabled={picked.length < 2}
            onClick={() => navigate(`/backtests/compare?ids=${picked.join(',')}`)}
            data-testid="compare-button"
          >
            Compare
          </button>
        </span>
      </div>
      <QueryView query={runs} isEmpty={(data) => data.total === 0} empty="No backtests stored yet: configure one and press Run, or use `arena backtest run`.">
        {(data) => (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">
                      <span className="visually-hidden">Compare</span>
                    </th>
                    <th scope="col">Run</th>
                    <th scope="col">Strategy</th>
                    <th scope="col">Market</th>
                    <th scope="col">Window (UTC)</th>
                    <th scope="col" className="num">Return</th>
                    <th scope="col" className="num">Max DD</th>
                    <th scope="col" className="num">Sharpe</th>
                    <th scope="col" className="num">Trades</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((run) => (
                    <tr key={run.id} data-testid={`run-row-${run.id}`}>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Compare run ${run.id}`}
                          checked={picked.includes(run.id)}
                          onChange={(e) => toggle(run.id, e.target.checked)}
                          data-testid={`pick-${run.id}`}
                        />
                      </td>
                      <td>
                        <Link to={`/backtests/${run.id}`}>#{run.id}</Link>
                      </td>
                      <td>{run.strategy}</td>
                      <td className="bt-nowrap">
                        {run.symbols.join(', ')} <span className="muted">{run.timeframe}</span>
                      </td>
                      <td className="num">
                        {run.start.slice(0, 10)} → {run.end.slice(0, 10)}
                      </td>
                      {(
                        [
                          ['total_return', 'return'],
                          ['max_drawdown', 'drawdown'],
                          ['sharpe', 'ratio'],
                          ['trade_count', 'count'],
                        ] as const
                      ).map(([key, kind]) => (
                        <td key={key} className={`num ${metricTone(kind, run.metrics[key])}`}>
                          {formatMetric(kind, run.metrics[key])}
                        </td>
                      ))}
                      <td>
                        <Time ts={run.created} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager total={data.total} limit={PAGE} offset={offset} noun="runs" onOffset={setOffset} testId="runs-pager" />
          </>
        )}
      </QueryView>
    </section>
  );
}
