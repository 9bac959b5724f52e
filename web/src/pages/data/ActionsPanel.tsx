// Scan and Repair: run on every series or on one symbol's; each shows what it found or did,
// and the lists below are refreshed after.
import { useState } from 'react';

import { api, unwrap, type Schemas } from '../../api/client';
import { Time } from '../../components/Values';
import { useTokenWrite, WriteError } from '../../components/useTokenWrite';
import { issueLine } from './coverage';

type Scope = { symbols?: string[] };
const REFRESH = { invalidate: [['data']] };

export function ActionsPanel({ symbols }: { symbols: string[] }) {
  const [symbol, setSymbol] = useState('');
  const scope: Scope = symbol ? { symbols: [symbol] } : {};
  const scan = useTokenWrite(
    async (body: Scope) => unwrap(await api.POST('/api/v1/data/scan', { body })),
    REFRESH,
  );
  const repair = useTokenWrite(
    async (body: Scope) => unwrap(await api.POST('/api/v1/data/repair', { body })),
    REFRESH,
  );
  const busy = scan.isPending || repair.isPending;
  return (
    <div className="panel" data-testid="actions-panel">
      <div className="panel-head">
        <h2>Scan and repair</h2>
      </div>
      <div className="row actions-row">
        <label>
          Series
          <select value={symbol} onChange={(event) => setSymbol(event.target.value)} data-testid="scope-picker">
            <option value="">every stored series</option>
            {symbols.map((item) => (
              <option key={item} value={item}>
                {item}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => {
            repair.reset();
            scan.mutate(scope);
          }}
          data-testid="scan-button"
        >
          {scan.isPending ? 'Scanning…' : 'Scan'}
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            scan.reset();
            repair.mutate(scope);
          }}
          data-testid="repair-button"
          title="Refetch the open candle gaps from their exchange (needs network access)"
        >
          {repair.isPending ? 'Repairing…' : 'Repair gaps'}
        </button>
        <span className="muted small">
          Scan looks for gaps, duplicates, broken bars and time-order problems and records them as events; Repair refetches open
          gaps from the exchange, and marks those it has no bars for as real outages.
        </span>
      </div>
      <WriteError error={scan.error ?? repair.error} testId="action-error" />
      {scan.data && <ScanResult report={scan.data} />}
      {repair.data && <RepairResult report={repair.data} />}
    </div>
  );
}

function ScanResult({ report }: { report: Schemas['ScanReport'] }) {
  const withIssues = report.series.filter((item) => Object.values(item.issues).some((count) => count > 0));
  const opened = report.series.reduce((sum, item) => sum + item.events_opened, 0);
  const resolved = report.series.reduce((sum, item) => sum + item.events_resolved, 0);
  return (
    <div className="result" data-testid="scan-result" role="status">
      <p>
        Scanned {report.series.length} series at <Time ts={report.ts_scanned} />:{' '}
        <strong className={report.issues_found ? 'warn' : 'gain'} data-testid="scan-issues">
          {report.issues_found.toLocaleString('en-US')} {report.issues_found === 1 ? 'issue' : 'issues'}
        </strong>{' '}
        found · <span data-testid="scan-opened">{opened}</span> new events · {resolved} resolved ·{' '}
        {report.series.length - withIssues.length} series clean
      </p>
      {withIssues.length > 0 && (
        <div className="table-wrap">
          <table data-testid="scan-table">
            <thead>
              <tr>
                <th>Symbol</th>
                <th>Series</th>
                <th className="num">Rows</th>
                <th>Found</th>
                <th className="num">New</th>
                <th className="num">Still open</th>
                <th className="num">Resolved</th>
              </tr>
            </thead>
            <tbody>
              {withIssues.map((item) => (
                <tr key={`${item.exchange}|${item.symbol}|${item.dataset}|${item.timeframe}`} data-testid="scan-row">
                  <td>{item.symbol}</td>
                  <td>{item.dataset === 'funding' ? 'funding' : `candles ${item.timeframe}`}</td>
                  <td className="num">{item.rows.toLocaleString('en-US')}</td>
                  <td className="warn">{issueLine(item.issues)}</td>
                  <td className="num">{item.events_opened}</td>
                  <td className="num">{item.events_still_open}</td>
                  <td className="num">{item.events_resolved}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

const OUTCOME_TONE: Record<string, string> = { repaired: 'gain', partial: 'warn', unrepairable: 'muted', failed: 'loss' };

function RepairResult({ report }: { report: Schemas['RepairReport'] }) {
  return (
    <div className="result" data-testid="repair-result" role="status">
      <p>
        {report.results.length === 0 ? (
          'No open candle gaps to repair: run Scan first.'
        ) : (
          <>
            Repaired <strong>{report.repaired}</strong> of {report.results.length} gaps.
          </>
        )}
      </p>
      {report.results.length > 0 && (
        <div className="table-wrap">
          <table data-testid="repair-table">
            <thead>
              <tr>
                <th>Symbol</th>
                <th>Series</th>
                <th>From</th>
                <th>To</th>
                <th className="num">Missing</th>
                <th>Outcome</th>
                <th className="num">Fetched</th>
                <th className="num">Inserted</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {report.results.map((item) => (
                <tr key={item.job_id} data-testid="repair-row">
                  <td>{item.symbol}</td>
                  <td>{item.timeframe}</td>
                  <td>
                    <Time ts={item.ts_start} />
                  </td>
                  <td>
                    <Time ts={item.ts_end} />
                  </td>
                  <td className="num">{item.missing}</td>
                  <td className={OUTCOME_TONE[item.status] ?? ''}>{item.status}</td>
                  <td className="num">{item.rows_fetched}</td>
                  <td className="num">{item.rows_inserted}</td>
                  <td className="muted">{item.error ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
