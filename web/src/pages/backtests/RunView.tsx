// One stored run: its configuration, headline metrics, charts (candles with its trades, the
// equity curve and its drawdown), the other diagnostics, its trades and CSV downloads.
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';

import type { Schemas } from '../../api/client';
import { ErrorState, QueryView } from '../../components/States';
import { Time } from '../../components/Values';
import { money } from '../../lib/format';
import { CandlePanel } from './CandlePanel';
import { EquityChart } from './EquityChart';
import { DiagnosticsTable, MetricCards } from './MetricCards';
import { equityQuery, runQuery } from './queries';
import { TradesTable } from './TradesTable';

const TABLES = ['equity', 'trades', 'orders'] as const;

export function RunView() {
  const raw = useParams().id;
  const id = Number(raw);
  if (!Number.isInteger(id) || id < 1) return <ErrorState error={new Error(`"${raw ?? ''}" is no backtest id`)} />;
  return <Run id={id} />;
}

function Run({ id }: { id: number }) {
  const run = useQuery(runQuery(id));
  return (
    <QueryView query={run} rows={10}>
      {(data) => <RunDetail run={data} />}
    </QueryView>
  );
}

function describeConfig(config: Record<string, unknown>): string {
  const parts = [`capital ${money(Number(config.capital))}`, `leverage ${String(config.leverage)}×`];
  parts.push(config.fee_rate === null || config.fee_rate === undefined ? "instrument's fees" : `fee ${(Number(config.fee_rate) * 100).toPrecision(3)}%`);
  parts.push(`slippage ${String(config.slippage_bps)} bps`);
  if (typeof config.stop_loss === 'number') parts.push(`stop-loss ${(config.stop_loss * 100).toPrecision(3)}%`);
  if (typeof config.take_profit === 'number') parts.push(`take-profit ${(config.take_profit * 100).toPrecision(3)}%`);
  const params = Object.entries((config.params ?? {}) as Record<string, string>);
  parts.push(params.length ? params.map(([k, v]) => `${k}=${v}`).join(' ') : 'default parameters');
  return parts.join(' · ');
}

function RunDetail({ run }: { run: Schemas['BacktestDetail'] }) {
  const equity = useQuery(equityQuery(run.id));
  const denials = Object.entries(run.denials);
  const exchange = typeof run.config.exchange === 'string' ? run.config.exchange : 'binance';
  return (
    <div className="bt-stack" data-testid="run-view" data-run-id={run.id}>
      <div className="bt-head">
        <div>
          <h2 data-testid="run-title">
            Backtest #{run.id}: {run.strategy} on {run.symbols.join(', ')} {run.timeframe}
          </h2>
          <p className="muted">
            <Time ts={run.start} /> → <Time ts={run.end} /> UTC · {run.bars.toLocaleString('en-US')} bars · {describeConfig(run.config)} · stored <Time ts={run.created} />
          </p>
        </div>
        <span className="row">
          <Link to={`/backtests?from=${run.id}`} className="bt-button-link">
            Edit &amp; run again
          </Link>
          {TABLES.map((table) => (
            <a key={table} className="bt-button-link" href={`/api/v1/backtests/${run.id}/export/${table}.csv`} download data-testid={`export-${table}`}>
              {table}.csv
            </a>
          ))}
        </span>
      </div>
      {denials.length > 0 && (
        <p className="notice" data-testid="denials">
          The risk checks denied {denials.map(([rule, count]) => `${count.toLocaleString('en-US')} × ${rule}`).join(', ')}: why the run made fewer trades than its strategy asked for.
        </p>
      )}
      <MetricCards metrics={run.metrics} />
      <div className="grid-2 bt-charts">
        <section className="panel" aria-labelledby="price-title">
          <h3 id="price-title" className="visually-hidden">
            Price and trades
          </h3>
          <CandlePanel run={{ id: run.id, symbols: run.symbols, timeframe: run.timeframe, start: run.start, end: run.end, exchange }} />
        </section>
        <section className="panel bt-stack" aria-labelledby="diagnostics-title">
          <h3 id="diagnostics-title">Other diagnostics</h3>
          <DiagnosticsTable metrics={run.metrics} />
        </section>
      </div>
      <section className="panel bt-stack" aria-labelledby="equity-title">
        <h3 id="equity-title">Equity, and drawdown from its running peak</h3>
        <QueryView query={equity} rows={8} isEmpty={(data) => data.items.length === 0} empty="This run stored no equity curve.">
          {(data) => <EquityChart points={data.items} height={340} />}
        </QueryView>
      </section>
      <section className="panel bt-stack" aria-labelledby="trades-title">
        <h3 id="trades-title">Trades</h3>
        <TradesTable runId={run.id} />
      </section>
    </div>
  );
}
