// Every season with its window, progress and entries, and the lifecycle moves its status allows.
import { useState } from 'react';
import { Link } from 'react-router-dom';

import type { Schemas } from '../../api/client';
import { Time } from '../../components/Values';
import { allowedActions, type SeasonAction, type SeasonEvent } from './seasonActions';

type Season = Schemas['SeasonOut'];

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge status-${status}`} data-testid="season-status">
      {status === 'running' && <span className="live-dot" aria-hidden />}
      {status}
    </span>
  );
}

interface Props {
  seasons: Season[];
  busy: { id: number; event: SeasonEvent } | null;
  onMove: (season: Season, event: SeasonEvent) => void;
}

export function SeasonsTable({ seasons, busy, onMove }: Props) {
  // A move that cannot be undone (end, cancel) takes a second click on "Confirm".
  const [confirming, setConfirming] = useState<{ id: number; event: SeasonEvent } | null>(null);

  const click = (season: Season, action: SeasonAction) => {
    if (action.final && (confirming?.id !== season.id || confirming.event !== action.event)) {
      setConfirming({ id: season.id, event: action.event });
      return;
    }
    setConfirming(null);
    onMove(season, action.event);
  };

  return (
    <div className="table-wrap">
      <table data-testid="seasons-table">
        <thead>
          <tr>
            <th className="num">#</th>
            <th>Name</th>
            <th>Mode</th>
            <th>Status</th>
            <th>Window (UTC)</th>
            <th className="num">Ticks</th>
            <th className="num">Entries</th>
            <th>Message</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {seasons.map((season) => (
            <tr key={season.id} data-testid={`season-row-${season.id}`}>
              <td className="num">{season.id}</td>
              <td>
                <Link to={`/seasons/${season.id}`} data-testid="season-link">
                  {season.name}
                </Link>
                <div className="muted small">
                  <Link to={`/arena/${season.id}`}>arena</Link> · {season.timeframe}
                </div>
              </td>
              <td>{season.mode}</td>
              <td>
                <StatusBadge status={season.status} />
              </td>
              <td className="num">
                <Time ts={season.start} /> → <Time ts={season.end} />
              </td>
              <td className="num" data-testid="season-ticks">
                {season.ticks_done.toLocaleString('en-US')} / {season.ticks_total.toLocaleString('en-US')}
              </td>
              <td className="num" data-testid="season-entries">
                {season.entries}
              </td>
              <td className="season-message">{season.message || <span className="muted">—</span>}</td>
              <td>
                <div className="row tight">
                  {allowedActions(season.status).map((action) => {
                    const asking = confirming?.id === season.id && confirming.event === action.event;
                    const running = busy?.id === season.id && busy.event === action.event;
                    return (
                      <button
                        key={action.event}
                        type="button"
                        className={asking ? 'danger' : undefined}
                        data-testid={`season-action-${action.event}`}
                        aria-label={`${asking ? 'Confirm: ' : ''}${action.label} season ${season.name}`}
                        disabled={busy !== null}
                        onClick={() => click(season, action)}
                      >
                        {running ? `${action.label}…` : asking ? `Confirm ${action.label.toLowerCase()}` : action.label}
                      </button>
                    );
                  })}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
