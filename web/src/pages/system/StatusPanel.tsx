// What is running: version, database (kind and schema revision only), uptime, the runner.
import type { Schemas } from '../../api/client';

function uptime(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

function ids(list: number[]): string {
  return list.length ? list.map((id) => `#${id}`).join(', ') : 'none';
}

export function StatusPanel({ info }: { info: Schemas['SystemInfo'] }) {
  return (
    <dl className="facts" data-testid="system-facts">
      <dt>Version</dt>
      <dd className="num" data-testid="system-version">
        {info.version}
      </dd>
      <dt>Database</dt>
      <dd data-testid="system-database">
        {info.database_backend} · schema revision <code>{info.schema_revision ?? 'none'}</code>
      </dd>
      <dt>Uptime</dt>
      <dd className="num">{uptime(info.uptime_s)}</dd>
      <dt>Writes</dt>
      <dd>{info.read_only ? <span className="warn">read-only: no ARENA_API_TOKEN configured</span> : 'need the API token'}</dd>
      <dt>Runner</dt>
      <dd data-testid="system-runner">
        {info.runner.embedded ? (
          <>
            {info.runner.active_seasons.length > 0 && <span className="live-dot" aria-hidden />}
            embedded: drives {ids(info.runner.active_seasons)}
          </>
        ) : info.workers !== null ? (
          'in the workers (see below)'
        ) : (
          'not embedded: seasons run with `arena season run`'
        )}
      </dd>
      <dt>Running seasons</dt>
      <dd data-testid="system-running">{ids(info.runner.running_seasons)}</dd>
    </dl>
  );
}
