// Sample loads and exchange downloads, newest first, with what each inserted.
import { useState } from 'react';

import { Pager } from '../../components/Pager';
import { Empty, ErrorState, Skeleton } from '../../components/States';
import { Time } from '../../components/Values';
import { useIngestionRuns } from './queries';

const LIMIT = 10;

function duration(started: number, finished: number | null | undefined): string {
  if (finished === null || finished === undefined) return '—';
  const seconds = (finished - started) / 1000;
  return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.round(seconds / 60)} min`;
}

export function RunsPanel() {
  const [offset, setOffset] = useState(0);
  const runs = useIngestionRuns(LIMIT, offset);
  return (
    <div className="panel" data-testid="runs-panel">
      <h2>Ingestion runs</h2>
      {runs.isPending ? (
        <Skeleton rows={3} label="Loading ingestion runs" />
      ) : runs.error ? (
        <ErrorState error={runs.error} title="Could not load ingestion runs" />
      ) : runs.data.total === 0 ? (
        <Empty>Nothing loaded yet: run `arena data load-sample` or `arena data download`.</Empty>
      ) : (
        <>
          <Pager
            offset={offset}
            limit={LIMIT}
            shown={runs.data.items.length}
            total={runs.data.total}
            noun="runs"
            onOffset={setOffset}
            testId="runs-pager"
          />
          <div className="table-wrap">
            <table data-testid="runs-table">
              <thead>
                <tr>
                  <th className="num">#</th>
                  <th>Source</th>
                  <th>Status</th>
                  <th>Started</th>
                  <th className="num">Took</th>
                  <th>Symbols</th>
                  <th>Timeframes</th>
                  <th className="num">Candles</th>
                  <th className="num">Funding</th>
                  <th className="num">Prices</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.items.map((run) => (
                  <tr key={run.id} data-testid="run-row">
                    <td className="num">{run.id}</td>
                    <td>{run.source}</td>
                    <td>
                      <span className={`badge run-${run.status}`}>{run.status}</span>
                    </td>
                    <td>
                      <Time ts={run.ts_started} />
                    </td>
                    <td className="num">{duration(run.ts_started, run.ts_finished)}</td>
                    <td title={run.symbols.join(', ')}>{run.symbols.length} symbols</td>
                    <td>{run.timeframes.join(', ')}</td>
                    <td className="num">{run.rows_candles.toLocaleString('en-US')}</td>
                    <td className="num">{run.rows_funding.toLocaleString('en-US')}</td>
                    <td className="num">{run.rows_prices.toLocaleString('en-US')}</td>
                    <td className={run.error ? 'loss' : 'muted'}>{run.error ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
