// Data monitor: what is stored (coverage per series), the problems found (integrity events),
// how it got there (ingestion runs), and the Scan and Repair actions.
import { QueryView } from '../../components/States';
import { ActionsPanel } from './ActionsPanel';
import { CoverageTable } from './CoverageTable';
import { EventsPanel } from './EventsPanel';
import { RunsPanel } from './RunsPanel';
import { useCoverage } from './queries';
import './data.css';

export default function DataPage() {
  const coverage = useCoverage();
  const symbols = [...new Set((coverage.data?.items ?? []).map((item) => item.symbol))].sort();
  return (
    <section className="page data-page">
      <h1>Data monitor</h1>
      <ActionsPanel symbols={symbols} />
      <div className="panel" data-testid="coverage-panel">
        <h2>Coverage</h2>
        <QueryView
          query={coverage}
          rows={8}
          isEmpty={(data) => data.total === 0}
          empty="No market data stored yet: run `arena data load-sample` or `arena data download`."
        >
          {(data) => <CoverageTable items={data.items} />}
        </QueryView>
      </div>
      <EventsPanel />
      <RunsPanel />
    </section>
  );
}
