// Running and paused seasons, each with Pause or Resume (the API token is asked for once).
import { Link } from 'react-router-dom';

import { api, unwrap } from '../../api/client';
import { Empty, ErrorState, Skeleton } from '../../components/States';
import { Time } from '../../components/Values';
import { useTokenWrite, WriteFailure } from '../data/tokenWrite';
import { useControllableSeasons } from './queries';

type Move = { id: number; action: 'pause' | 'resume' };

export function SeasonControls() {
  const seasons = useControllableSeasons();
  const move = useTokenWrite(
    async ({ id, action }: Move) =>
      unwrap(
        action === 'pause'
          ? await api.POST('/api/v1/seasons/{season_id}/pause', { params: { path: { season_id: id } } })
          : await api.POST('/api/v1/seasons/{season_id}/resume', { params: { path: { season_id: id } } }),
      ),
    [['seasons'], ['system']],
  );
  if (seasons.isPending) return <Skeleton rows={2} label="Loading seasons" />;
  if (seasons.error) return <ErrorState error={seasons.error} title="Could not load seasons" />;
  return (
    <>
      <WriteFailure error={move.error} testId="season-move-error" />
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
                    onClick={() => move.mutate({ id: season.id, action: season.status === 'running' ? 'pause' : 'resume' })}
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
