// The workers behind the broker (ARENA_BROKER_URL): who is connected and what each runs, the
// queues' depths and what the scheduler sends. Without a broker, everything runs in the server.
import type { Schemas } from '../../api/client';
import { Time } from '../../components/Values';

function taskLabel(task: Schemas['ActiveTask']): string {
  if (task.task === 'arena.run_season' && task.args.length > 0) return `season #${String(task.args[0])}`;
  return task.task.replace(/^arena\./, '').replace(/_/g, ' ');
}

export function WorkersPanel({ workers }: { workers: Schemas['WorkersOut'] | null }) {
  if (workers === null) {
    return (
      <p className="muted" data-testid="workers-none">
        No broker: seasons, backtests and sweeps run in this server. To scale out, set ARENA_BROKER_URL to a
        Redis URL and start <code>arena worker</code> and <code>arena scheduler</code>.
      </p>
    );
  }
  return (
    <div data-testid="workers">
      <p className="small">
        Broker <code>{workers.broker}</code>{' '}
        {workers.reachable ? '' : <span className="warn">unreachable</span>}
      </p>
      {workers.workers.length === 0 ? (
        <p className="warn" data-testid="workers-empty">
          No worker answered: start one with <code>arena worker</code>.
        </p>
      ) : (
        <table className="table" data-testid="workers-table">
          <thead>
            <tr>
              <th>Worker</th>
              <th className="num">Slots</th>
              <th>Queues</th>
              <th>Running now</th>
            </tr>
          </thead>
          <tbody>
            {workers.workers.map((worker) => (
              <tr key={worker.name} data-testid="worker-row">
                <td>{worker.name}</td>
                <td className="num">{worker.concurrency ?? '—'}</td>
                <td>{worker.queues.join(', ')}</td>
                <td>
                  {worker.active.length === 0
                    ? 'idle'
                    : worker.active.map((task) => (
                        <div key={task.id}>
                          {taskLabel(task)}
                          {task.started_ts !== null && (
                            <span className="muted small">
                              {' '}
                              since <Time ts={task.started_ts} relative />
                            </span>
                          )}
                        </div>
                      ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <dl className="facts queues" data-testid="queues">
        {workers.queues.map((queue) => (
          <div key={queue.name} style={{ display: 'contents' }}>
            <dt>Queue {queue.name}</dt>
            <dd className="num">{queue.waiting} waiting</dd>
          </div>
        ))}
      </dl>
      <h3 className="small">Scheduled</h3>
      <ul className="small" data-testid="scheduled">
        {workers.scheduled.map((job) => (
          <li key={job.name}>
            {job.name}: {job.schedule}
          </li>
        ))}
      </ul>
    </div>
  );
}
