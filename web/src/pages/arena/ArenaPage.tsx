// The Arena (home): one season's account-value chart, its live feed and its leaderboard,
// kept current over the WebSocket while the season can still move.
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';

import { Empty, ErrorState, QueryView, Skeleton } from '../../components/States';
import { claimColors } from '../../lib/colors';
import { useLiveSeason } from '../../live/useLiveSeason';
import type { LiveMessage } from '../../live/messages';
import { AccountValuePanel } from './AccountValuePanel';
import { nextTick } from './equitySeries';
import { LeaderboardTable } from './Leaderboard';
import { DEFAULT_SORT, sortRows, type Sort } from './leaderboardSort';
import { LiveFeed } from './LiveFeed';
import { PairwiseMap } from './PairwiseMap';
import { applyLiveBatch } from './liveCache';
import { arenaKeys, prefetchSeason, useEquity, useLeaderboard, useLiveProgress, useSeasons, type Equity, type Season } from './queries';
import { SeasonHeader } from './SeasonHeader';
import { chosenSeason, isLive } from './seasonPick';
import './arena.css';

function SeasonArena({ seasons, season }: { seasons: Season[]; season: Season }) {
  const client = useQueryClient();
  const leaderboard = useLeaderboard(season.id);
  const equity = useEquity(season.id);
  const progress = useLiveProgress(season.id);
  // The season's entries claim their colours before the chart, the feed or the table draws
  // them, from whichever of the two answers comes first (both name the same entries).
  useMemo(
    () => claimColors([
      ...(leaderboard.data?.rows ?? []).map((row) => row.name),
      ...(equity.data?.series ?? []).map((series) => series.entry),
    ]),
    [leaderboard.data?.rows, equity.data?.series],
  );
  // The leaderboard's sort, shared with the heat map so both list the entries alike.
  const [sort, setSort] = useState<Sort>(DEFAULT_SORT);
  const order = useMemo(
    () => sortRows(leaderboard.data?.rows ?? [], sort).map((row) => row.name),
    [leaderboard.data?.rows, sort],
  );
  const baselines = useMemo(
    () => new Set((leaderboard.data?.rows ?? []).filter((row) => row.baseline).map((row) => row.name)),
    [leaderboard.data?.rows],
  );

  const onMessages = useCallback((batch: LiveMessage[]) => applyLiveBatch(client, season.id, batch), [client, season.id]);
  // Resume after what the chart holds, so ticks committed since it loaded are not lost.
  const fromTick = useCallback(() => nextTick(client.getQueryData<Equity>(arenaKeys.equity(season.id))), [client, season.id]);
  const connection = useLiveSeason({
    seasonId: season.id,
    enabled: isLive(season.status) && equity.isSuccess,
    onMessages,
    fromTick,
  });

  return (
    <>
      <SeasonHeader seasons={seasons} season={season} progress={progress.data} connection={connection} />
      <div className="grid-2 arena-main">
        <AccountValuePanel season={season} baselines={baselines} />
        <section className="panel arena-feed" aria-label="Live feed">
          <LiveFeed seasonId={season.id} baselines={baselines} />
        </section>
      </div>
      <section className="panel arena-board" aria-labelledby="leaderboard-title">
        <h2 id="leaderboard-title">Leaderboard</h2>
        <QueryView query={leaderboard} rows={8} isEmpty={(board) => board.rows.length === 0}
          empty="No entries in this season.">
          {(board) => <LeaderboardTable board={board} sort={sort} onSort={setSort} />}
        </QueryView>
      </section>
      <section className="panel arena-pairwise" aria-labelledby="pairwise-title" data-testid="pairwise-panel">
        <h2 id="pairwise-title">Who beats whom</h2>
        {leaderboard.data ? (
          <PairwiseMap seasonId={season.id} board={leaderboard.data} order={order} baselines={baselines} />
        ) : leaderboard.error ? (
          <ErrorState error={leaderboard.error} title="Could not load the ranking to compare" />
        ) : (
          <Skeleton rows={6} label="Comparing the entries" />
        )}
      </section>
    </>
  );
}

export default function ArenaPage() {
  const { seasonId } = useParams();
  const client = useQueryClient();
  const named = Number(seasonId);
  useEffect(() => {
    if (Number.isInteger(named) && named > 0) prefetchSeason(client, named);
  }, [client, named]);
  const seasons = useSeasons();

  let body;
  if (seasons.isPending) body = <Skeleton rows={8} label="Loading the seasons" />;
  else if (seasons.error || !seasons.data) body = <ErrorState error={seasons.error} title="Could not load the seasons" />;
  else if (seasons.data.length === 0) {
    body = (
      <Empty>
        No seasons yet: run <code>arena demo</code> or <Link to="/seasons">create one</Link>.
      </Empty>
    );
  } else {
    const season = chosenSeason(seasons.data, seasonId);
    body = season ? (
      <SeasonArena key={season.id} seasons={seasons.data} season={season} />
    ) : (
      <>
        <ErrorState error={new Error(`there is no season ${seasonId ?? ''}`)} title="Unknown season" />
        <p>
          <Link to="/">Open the newest season</Link> or <Link to="/seasons">see every season</Link>.
        </p>
      </>
    );
  }

  return (
    <section className="page arena" data-testid="arena-page">
      <h1 className="visually-hidden">Arena</h1>
      {body}
    </section>
  );
}
