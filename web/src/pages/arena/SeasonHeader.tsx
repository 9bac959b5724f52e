// The Arena's header: which season (a picker that changes the address), its status with a live
// dot while the feed is open and the season runs, whether its figures are real exchange
// executions (a live season), its window, progress and last tick.
import { Link, useNavigate } from 'react-router-dom';

import { Time } from '../../components/Values';
import type { ConnectionState } from '../../live/liveConnection';
import { utc, parseTs } from '../../lib/format';
import type { LiveProgress, Season } from './queries';

export function SeasonHeader({
  seasons,
  season,
  progress,
  connection,
}: {
  seasons: Season[];
  season: Season;
  progress: LiveProgress;
  connection: ConnectionState;
}) {
  const navigate = useNavigate();
  const status = progress.status ?? season.status;
  const ticksDone = Math.max(progress.ticks_done ?? 0, season.ticks_done);
  const lastTick = progress.last_tick ?? season.last_tick;
  const live = connection === 'open' && status === 'running';
  return (
    <header className="arena-header">
      <label className="arena-picker">
        Season
        <select
          value={season.id}
          onChange={(event) => navigate(`/arena/${event.target.value}`)}
          data-testid="season-picker"
        >
          {seasons.map((item) => (
            <option key={item.id} value={item.id}>
              #{item.id} {item.name} ({item.status})
            </option>
          ))}
        </select>
      </label>
      <div className="arena-facts">
        <span className={`badge status-${status}`} data-testid="season-status" data-connection={connection}>
          {live && <span className="live-dot" aria-label="live" title="Receiving ticks live" />}
          {status}
        </span>
        {season.mode === 'live' && (
          <span
            className="badge mode-live"
            data-testid="season-real"
            title="A live season: every figure comes from executions on real exchange accounts (testnet, demo or mainnet), not simulated fills"
          >
            live: real exchange executions
          </span>
        )}
        {season.config.anonymize === true && (
          <span
            className="badge"
            data-testid="season-anonymized"
            title="LLM and remote agents saw renamed coins, moved dates and rescaled prices (the memorization guard); the engine traded the real market"
          >
            anonymized tape
          </span>
        )}
        <span className="num" title="The season's window (UTC)">
          {utc(parseTs(season.start))} → {utc(parseTs(season.end))} UTC
        </span>
        <span className="num" data-testid="tick-count" data-ticks={ticksDone}>
          {ticksDone.toLocaleString('en-US')} / {season.ticks_total.toLocaleString('en-US')} ticks
        </span>
        <span>
          last tick <Time ts={lastTick} />
        </span>
        {connection === 'reconnecting' && <span className="warn" data-testid="live-reconnecting">live feed lost: reconnecting…</span>}
        {progress.error && <span className="loss" role="alert">{progress.error}</span>}
        <Link to={`/seasons/${season.id}`} data-testid="season-link">
          Season details
        </Link>
      </div>
    </header>
  );
}
