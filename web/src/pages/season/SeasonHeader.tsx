// The season at a glance: name, status, window, progress, mode, and its entries as a picker
// (all of them, or one: /seasons/:id/entries/:entry).
import { Link, useSearchParams } from 'react-router-dom';

import type { Schemas } from '../../api/client';
import { Money, Swatch, Time } from '../../components/Values';
import { agentColor } from '../../lib/colors';
import { seasonPath } from './seasonView';

type Season = Schemas['SeasonOut'];
type Entry = Schemas['EntryOut'];

export function SeasonHeader({ season, entries, entry }: { season: Season; entries: Entry[]; entry: string | null }) {
  const [params] = useSearchParams();
  return (
    <header className="season-header">
      <div className="row season-title">
        <h1 data-testid="season-name">{season.name}</h1>
        <span className={`badge status-${season.status}`} data-testid="season-status">
          {season.status === 'running' && <span className="live-dot" aria-hidden />}
          {season.status}
        </span>
        {season.config.anonymize === true && (
          <span
            className="badge"
            data-testid="season-anonymized"
            title="LLM and remote agents saw renamed coins, moved dates and rescaled prices (the memorization guard); the engine traded the real market"
          >
            anonymized tape
          </span>
        )}
        <Link to={`/arena/${season.id}`} data-testid="arena-link">
          Open in the Arena →
        </Link>
      </div>
      <dl className="season-facts">
        <div>
          <dt>Window (UTC)</dt>
          <dd className="num">
            <Time ts={season.start} /> → <Time ts={season.end} />
          </dd>
        </div>
        <div>
          <dt>Ticks</dt>
          <dd className="num" data-testid="season-ticks">
            {season.ticks_done.toLocaleString('en-US')} / {season.ticks_total.toLocaleString('en-US')} · {season.timeframe}
          </dd>
        </div>
        <div>
          <dt>Last tick</dt>
          <dd className="num">
            <Time ts={season.last_tick} />
          </dd>
        </div>
        <div>
          <dt>Mode</dt>
          <dd>{season.mode}</dd>
        </div>
        <div>
          <dt>Season</dt>
          <dd className="num">#{season.id}</dd>
        </div>
      </dl>
      {season.message && <p className="muted small season-message">{season.message}</p>}
      <nav className="entry-picker" aria-label="Entries" data-testid="entry-picker">
        <Link to={seasonPath(season.id, null, params)} aria-current={entry === null ? 'page' : undefined} className="entry-chip">
          All entries
        </Link>
        {entries.map((item) => (
          <Link
            key={item.id}
            to={seasonPath(season.id, item.name, params)}
            aria-current={entry === item.name ? 'page' : undefined}
            className="entry-chip"
            title={`${item.kind}${item.baseline ? ' (baseline)' : ''} · ${item.status}`}
          >
            <Swatch color={agentColor(item.name, item.baseline)} dashed={item.baseline} />
            {item.name}
            <span className="muted num chip-value">
              <Money value={item.equity} />
            </span>
          </Link>
        ))}
      </nav>
    </header>
  );
}
