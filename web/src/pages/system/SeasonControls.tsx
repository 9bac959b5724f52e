// Running and paused seasons, each with Pause or Resume (the API token is asked for once).
import { Link } from 'react-router-dom';

import { Empty, ErrorState, Skeleton } from '../../components/States';
import { useTokenWrite, WriteError } from '../../components/useTokenWrite';
import { Time } from '../../components/Values';
import { moveSeason, SEASON_MOVE_REFRESH } from '../seasons/seasonActions';
import { useControllableSeasons } from './queries';

export function SeasonControls() {
  const seasons = useControllableSeasons();
  const move = useTokenWrite(moveSeason, { invalidate: SEASON_MOVE_REFRESH });
  if (seasons.isPending) return <Skeleton rows={2} label="Loading seasons" />;
  if (seasons.error) return <ErrorState error={seasons.error} title="Could not load seasons" />;
  return (
    <>
      <WriteError error={move.error} testId="season-move-error" />
      {seasons.data.length === 0 ? (
        <Empty>
          No season is running or paused. Start one from the <Link to="/seasons">Seasons</Link> page.
        </Empty>
      ) : (
        <table data-testid="season-controls">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>Season</th>
              <th>Status</th>
              <th className="num">Ticks</th>
              <th>Last tick</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {seasons.data.map((season) => (
              <tr key={season.id}>
                <td className="num">{season.id}</td>
                <td>
                  <Link to={`/seasons/${season.id}`}>{season.name}</Link>
                </td>
                <td>
                  {season.status === 'running' && <span className="live-dot" aria-hidden />}
                  {season.status}
                </td>
                <td className="num">
                  {season.ticks_done.toLocaleString('en-US')} / {season.ticks_total.toLocaleString('en-US')}
                </td>
                <td>
                  <Time ts={season.last_tick} />
                </td>
                <td>
                  <button
                    type="button"
                    disabled={move.isPending}
                    onClick={() => move.mutate({ seasonId: season.id, event: season.status === 'running' ? 'pause' : 'resume' })}
                  >
                    {season.status === 'running' ? 'Pause' : 'Resume'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
