// System: what runs (version, database, runner, workers), the seasons to pause or resume, the last
// failures, the API's docs, and a read-only database browser.
import { QueryView } from '../../components/States';
import { DatabaseBrowser } from './DatabaseBrowser';
import { ErrorsPanel } from './ErrorsPanel';
import { SeasonControls } from './SeasonControls';
import { StatusPanel } from './StatusPanel';
import { WorkersPanel } from './WorkersPanel';
import { useSystemInfo } from './queries';
import './system.css';

export default function SystemPage() {
  const info = useSystemInfo();
  return (
    <section className="page system-page">
      <h1>System</h1>
      <div className="system-grid">
        <div className="panel" data-testid="status-panel">
          <h2>Server</h2>
          <QueryView query={info} rows={5}>
            {(data) => <StatusPanel info={data} />}
          </QueryView>
          <p className="links">
            API: <a href="/api/v1/docs">Swagger UI</a> · <a href="/api/v1/redoc">ReDoc</a> ·{' '}
            <a href="/api/v1/openapi.json">openapi.json</a> · <a href="/metrics">Prometheus metrics</a>
          </p>
        </div>
        <div className="panel" data-testid="seasons-panel">
          <h2>Running seasons</h2>
          <SeasonControls />
        </div>
      </div>
      <div className="panel" data-testid="workers-panel">
        <h2>Workers</h2>
        <QueryView query={info} rows={3}>
          {(data) => <WorkersPanel workers={data.workers} />}
        </QueryView>
      </div>
      <div className="panel" data-testid="errors-panel">
        <h2>Recent errors</h2>
        <ErrorsPanel />
      </div>
      <div className="panel" data-testid="db-panel">
        <h2>Database</h2>
        <DatabaseBrowser />
      </div>
    </section>
  );
}
