// Seasons: the list with each one's lifecycle moves, and a form to create one.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router-dom';

import type { Schemas } from '../../api/client';
import { QueryView } from '../../components/States';
import { useTokenWrite, WriteError } from '../../components/useTokenWrite';
import '../agents/manage.css';
import { SeasonCreateForm } from './SeasonCreateForm';
import { describeMove, moveSeason, SEASON_MOVE_REFRESH, type SeasonEvent } from './seasonActions';
import { seasonsQuery } from './seasonQueries';
import { SeasonsTable } from './SeasonsTable';
import { useSeasonsLive } from './useSeasonsLive';

type Season = Schemas['SeasonOut'];

export default function SeasonsPage() {
  const seasons = useQuery(seasonsQuery);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Season | null>(null);
  const [said, setSaid] = useState<string | null>(null);
  const move = useTokenWrite(moveSeason, {
    invalidate: SEASON_MOVE_REFRESH,
    onSuccess: (season, { event }) => {
      setSaid(describeMove(event, season));
      if (created?.id === season.id) setCreated(null);
    },
  });
  const running = (seasons.data?.items ?? [])
    .filter((season) => season.status === 'running')
    .map((season) => season.id)
    .sort((a, b) => a - b)
    .join(',');
  useSeasonsLive(running);

  const onMove = (season: Season, event: SeasonEvent) => {
    setSaid(null);
    move.mutate({ seasonId: season.id, event });
  };

  return (
    <section className="page manage-stack" aria-labelledby="seasons-title">
      <div className="manage-head">
        <h1 id="seasons-title">Seasons</h1>
        <button type="button" className="primary" aria-expanded={creating} onClick={() => setCreating((open) => !open)} data-testid="new-season">
          {creating ? 'Hide the form' : 'New season'}
        </button>
      </div>

      {creating && (
        <SeasonCreateForm
          onClose={() => setCreating(false)}
          onCreated={(season) => {
            setCreated(season);
            setCreating(false);
            setSaid(null);
          }}
        />
      )}

      {created && (
        <div className="notice ok" role="status" data-testid="season-created">
          Created season {created.id} “{created.name}” as a draft
          {created.message ? ` (${created.message})` : ''}.{' '}
          <button type="button" className="primary" disabled={move.isPending} onClick={() => onMove(created, 'start')} data-testid="start-now">
            Start now
          </button>{' '}
          <Link to={`/seasons/${created.id}`}>Open it</Link>
        </div>
      )}
      {said && (
        <div className="notice ok" role="status" data-testid="move-result">
          {said}
        </div>
      )}
      <WriteError error={move.error} />

      <div className="panel">
        <QueryView
          query={seasons}
          rows={6}
          isEmpty={(page) => page.items.length === 0}
          empty={
            <>
              No seasons yet: run <code>arena demo</code> or create one with <strong>New season</strong>.
            </>
          }
        >
          {(page) => (
            <SeasonsTable
              seasons={page.items}
              busy={move.isPending && move.variables ? { id: move.variables.seasonId, event: move.variables.event } : null}
              onMove={onMove}
            />
          )}
        </QueryView>
      </div>
    </section>
  );
}
