// How an agent's calls turned out 1, 4 and 24 bars later: hit rate and average outcome per
// horizon, then by the market's regime and by coin (GET /agents/{name}/report).
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { api, unwrap } from '../../api/client';
import { Empty, QueryView } from '../../components/States';
import { Pct } from '../../components/Values';
import { coinOf, pct } from '../../lib/format';
import { AGENTS_KEY } from './agentQueries';
import { groups, hitRate, tallyTitle, type AgentReport as Report, type Horizon } from './reportFigures';

function reportQuery(name: string, season: number | null) {
  return {
    queryKey: [...AGENTS_KEY, name, 'report', season],
    queryFn: async ({ signal }: { signal: AbortSignal }) =>
      unwrap(await api.GET('/api/v1/agents/{name}/report', {
        params: { path: { name }, query: season === null ? {} : { season } }, signal,
      })),
  };
}

function Figures({ tally, bars }: { tally: Horizon['overall'] | undefined; bars: number }) {
  return (
    <span title={tallyTitle(tally, bars)}>
      <span className="num">{hitRate(tally)}</span>
      <span className="muted"> · </span>
      <Pct value={tally?.average_outcome} digits={2} />
    </span>
  );
}

function Breakdown({ report, by, label }: { report: Report; by: 'by_regime' | 'by_coin'; label: string }) {
  const names = groups(report.horizons, by);
  if (names.length === 0) return null;
  return (
    <div className="table-wrap">
      <table className="report-table" data-testid={`report-${by}`}>
        <thead>
          <tr>
            <th>{label}</th>
            {report.horizons.map((horizon) => (
              <th key={horizon.bars} className="num">{horizon.bars} bar{horizon.bars === 1 ? '' : 's'}: hit · outcome</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {names.map((name) => (
            <tr key={name} data-group={name}>
              <td>{by === 'by_coin' ? coinOf(name) : name}</td>
              {report.horizons.map((horizon) => (
                <td key={horizon.bars} className="num"><Figures tally={horizon[by][name]} bars={horizon.bars} /></td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReportBody({ report }: { report: Report }) {
  if (report.message) return <Empty>{report.message}</Empty>;
  return (
    <>
      <p className="muted small" data-testid="report-summary">
        {report.decisions.toLocaleString('en-US')} decisions, {report.calls.toLocaleString('en-US')} coin calls.
        Hit: the share of long and short calls the price then proved right; outcome: their average return signed by
        direction (a short before a 1% fall: +1.00%).
      </p>
      <div className="table-wrap">
        <table className="report-table" data-testid="report-horizons">
          <thead>
            <tr>
              <th className="num">After</th><th className="num">Calls judged</th><th className="num">Hit rate</th>
              <th className="num">Average outcome</th><th className="num">Pending</th>
              <th className="num" title="Calls to hold or close a coin, and the mean move they sat out">Stood aside · move</th>
            </tr>
          </thead>
          <tbody>
            {report.horizons.map((horizon) => (
              <tr key={horizon.bars} data-testid="report-horizon" data-bars={horizon.bars}>
                <td className="num">{horizon.bars} bar{horizon.bars === 1 ? '' : 's'}</td>
                <td className="num">{horizon.overall.known.toLocaleString('en-US')}</td>
                <td className="num" data-testid="hit-rate" title={tallyTitle(horizon.overall, horizon.bars)}>{hitRate(horizon.overall)}</td>
                <td className="num"><Pct value={horizon.overall.average_outcome} digits={2} /></td>
                <td className="num">{horizon.overall.pending}</td>
                <td className="num">
                  {horizon.overall.aside}
                  <span className="muted"> · {horizon.overall.average_move_aside === null ? '—' : pct(horizon.overall.average_move_aside, 2).replace('+', '±')}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Breakdown report={report} by="by_regime" label="Regime at the call" />
      <Breakdown report={report} by="by_coin" label="Coin" />
    </>
  );
}

/** The report panel of one agent, over all its seasons or one of them. */
export function AgentReport({ name }: { name: string }) {
  const [season, setSeason] = useState<number | null>(null);
  const report = useQuery(reportQuery(name, season));
  const seasons = useQuery({ ...reportQuery(name, null), enabled: season !== null }).data?.seasons ?? report.data?.seasons ?? [];
  return (
    <div className="agent-report" data-testid="agent-report">
      <div className="manage-head">
        <h2>How {name}’s calls turned out</h2>
        {seasons.length > 1 && (
          <label>
            Season
            <select value={season ?? ''} onChange={(event) => setSeason(event.target.value ? Number(event.target.value) : null)}
              data-testid="report-season">
              <option value="">All {seasons.length} seasons</option>
              {seasons.map((covered) => (
                <option key={covered.season_id} value={covered.season_id}>
                  #{covered.season_id} {covered.name} ({covered.decisions} decisions)
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <QueryView query={report} rows={5}>{(data) => <ReportBody report={data} />}</QueryView>
    </div>
  );
}
