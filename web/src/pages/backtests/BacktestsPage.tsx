// The backtest workbench: configure and run a backtest beside the stored runs (/backtests),
// one run (/backtests/:id), two or three compared (/backtests/compare?ids=7,9), and
// parameter sweeps (/backtests/sweep).
import { useQuery } from '@tanstack/react-query';
import { NavLink, Route, Routes, useSearchParams } from 'react-router-dom';

import { NotFound } from '../NotFound';
import { ErrorState, Skeleton } from '../../components/States';
import { formFromConfig } from './backtestForm';
import { ComparePage } from './ComparePage';
import { runQuery } from './queries';
import { RunForm } from './RunForm';
import { RunList } from './RunList';
import { RunView } from './RunView';
import { SweepPage } from './SweepPage';
import './backtests.css';

export default function BacktestsPage() {
  return (
    <section className="page bt-page">
      <div className="bt-head">
        <h1>Backtests</h1>
        <nav className="bt-subnav" aria-label="Backtest workbench">
          <NavLink to="/backtests" end>
            Runs
          </NavLink>
          <NavLink to="/backtests/compare">Compare</NavLink>
          <NavLink to="/backtests/sweep">Sweep</NavLink>
        </nav>
      </div>
      <Routes>
        <Route index element={<Workbench />} />
        <Route path="compare" element={<ComparePage />} />
        <Route path="sweep" element={<SweepPage />} />
        <Route path=":id" element={<RunView />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </section>
  );
}

/** The new-run form beside the stored runs; `?from=ID` starts the form from that run. */
function Workbench() {
  const [params] = useSearchParams();
  const from = Number(params.get('from'));
  return (
    <div className="bt-layout">
      {Number.isInteger(from) && from > 0 ? <RerunForm id={from} /> : <RunForm />}
      <RunList />
    </div>
  );
}

function RerunForm({ id }: { id: number }) {
  const run = useQuery(runQuery(id));
  if (run.isPending) return <Skeleton rows={8} label="Loading the run to edit" />;
  if (run.error) return <ErrorState error={run.error} />;
  return <RunForm key={id} initial={(strategies) => formFromConfig(run.data.config, strategies.find((s) => s.name === run.data.strategy))} />;
}
