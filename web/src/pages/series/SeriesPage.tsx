// Season series: the list, and one series with its windows (each a season) and how stable its
// ranking is across them: mean and median rank, the places as small bars, P(first), Kendall's
// W, the spread of returns and the LLM cost.
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link, useParams } from 'react-router-dom';

import { ErrorState, QueryView } from '../../components/States';
import { Pct, Swatch, Time } from '../../components/Values';
import { agentColor, claimColors } from '../../lib/colors';
import { money, num, pct } from '../../lib/format';
import { agreement, ordinal, rankBars, statusLine, windowsText } from './seriesStats';
import { seriesListQuery, seriesQuery, type Series, type SeriesEntry } from './seriesQueries';
import { useWindowsLive } from './useWindowsLive';
import '../agents/manage.css';
import './series.css';

const CREATE_HINT = 'arena season series create NAME --kind consecutive --count 6';

function SeriesList() {
  const list = useQuery(seriesListQuery);
  return (
    <section className="page manage-stack series-page" aria-labelledby="series-title">
      <h1 id="series-title">Series</h1>
      <p className="muted small">
        A series runs the same lineup over several windows of the market; its table says whether a ranking holds
        from one window to the next or was luck.
      </p>
      <div className="panel">
        <QueryView query={list} rows={6} isEmpty={(page) => page.items.length === 0}
          empty={<>No series yet: run <code>{CREATE_HINT}</code> (or POST <code>/api/v1/series</code>).</>}>
          {(page) => (
            <div className="table-wrap">
              <table data-testid="series-table">
                <thead>
                  <tr>
                    <th>Name</th><th>Kind</th><th className="num">Windows</th><th>Status</th><th className="num">Created (UTC)</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((series) => (
                    <tr key={series.id} data-testid="series-row" data-series={series.name}>
                      <td><Link to={`/series/${series.id}`}>{series.name}</Link></td>
                      <td>{series.kind}</td>
                      <td className="num">{series.windows}</td>
                      <td>{statusLine(series.statuses)}</td>
                      <td className="num"><Time ts={series.created} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </div>
    </section>
  );
}

function RankDistribution({ entry, windows }: { entry: SeriesEntry; windows: number }) {
  const bars = rankBars(entry.rank_counts, windows);
  const label = bars.filter((bar) => bar.count > 0).map((bar) => `${ordinal(bar.place)} in ${windowsText(bar.count)}`).join(', ');
  return (
    <div className="rank-bars" data-testid="rank-bars" role="img" aria-label={label} title={label}>
      {bars.map((bar) => (
        <span key={bar.place} className="rank-bar" data-place={bar.place} data-count={bar.count}
          style={{ height: `${Math.max(bar.count > 0 ? 2 : 0, bar.height * 24).toFixed(1)}px` }} />
      ))}
    </div>
  );
}

function StabilityTable({ series }: { series: Series }) {
  const { aggregate } = series;
  if (aggregate.entries.length === 0) {
    return (
      <p className="empty" data-testid="empty">
        No window has finished yet: the table fills in as they finish.
      </p>
    );
  }
  return (
    <>
      <p className="series-w" data-testid="kendalls-w">
        <strong>Kendall’s W {aggregate.kendalls_w === null ? '—' : num(aggregate.kendalls_w, 2)}</strong>
        {' '}<span className="muted">{agreement(aggregate.kendalls_w, aggregate.windows)}</span>
      </p>
      <div className="table-wrap">
        <table data-testid="stability-table">
          <caption className="muted small">
            Over {windowsText(aggregate.windows)} finished; best mean rank first; tied entries share their places.
          </caption>
          <thead>
            <tr>
              <th>Entry</th>
              <th className="num" title="Its place averaged over the windows (1 is first)">Mean rank</th>
              <th className="num">Median rank</th>
              <th title="How many windows it finished 1st, 2nd, 3rd…; taller is more often">Places (1st → last)</th>
              <th className="num" title="Share of the windows it ranked first">P(first)</th>
              <th className="num" title="Mean return of a window ± its standard deviation">Return</th>
              <th className="num" title="Worst and best window">Range</th>
              <th className="num" title="Summed over the windows; unknown when a model has no known price">LLM cost</th>
            </tr>
          </thead>
          <tbody>
            {aggregate.entries.map((entry) => (
              <tr key={entry.name} data-testid="stability-row" data-entry={entry.name}>
                <td>
                  <span className="entry-name">
                    <Swatch color={agentColor(entry.name, entry.baseline)} dashed={entry.baseline} />
                    {entry.name}
                    {entry.baseline && <span className="badge">baseline</span>}
                  </span>
                </td>
                <td className="num" data-testid="mean-rank">{num(entry.mean_rank, 2)}</td>
                <td className="num">{num(entry.median_rank, 1)}</td>
                <td><RankDistribution entry={entry} windows={aggregate.windows} /></td>
                <td className="num" data-testid="p-first">{`${Math.round(entry.p_first * 100)}%`}</td>
                <td className="num" title={`median ${pct(entry.return_median_pct / 100)}`}>
                  <Pct value={entry.return_mean_pct / 100} />
                  <span className="muted"> ± {entry.return_std_pct === null ? '—' : `${num(entry.return_std_pct, 1)}%`}</span>
                </td>
                <td className="num muted">{pct(entry.return_min_pct / 100)} … {pct(entry.return_max_pct / 100)}</td>
                <td className="num">{entry.llm_cost_usd === null ? <span className="muted">unknown</span> : `$${money(entry.llm_cost_usd)}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function configLine(config: Series['config']): string {
  const list = (value: unknown) => (Array.isArray(value) && value.length ? value.join(', ') : null);
  return [
    list(config.agents) ?? 'the built-in agents',
    config.baselines === false ? null : 'with baselines',
    list(config.symbols),
    typeof config.timeframe === 'string' ? config.timeframe : null,
  ].filter(Boolean).join(' · ');
}

function SeriesDetail({ series }: { series: Series }) {
  useMemo(() => claimColors(series.aggregate.entries.map((entry) => entry.name)), [series.aggregate.entries]);
  const running = series.windows.filter((window) => window.status === 'running').map((window) => window.season_id).sort((a, b) => a - b).join(',');
  useWindowsLive(series.id, running);
  return (
    <>
      <div className="manage-head">
        <h1 id="series-title" data-testid="series-name">{series.name}</h1>
        <Link to="/series">Every series</Link>
      </div>
      <p className="muted small">
        {series.kind}, {series.windows.length} windows · {configLine(series.config)} · created <Time ts={series.created} />
        {series.note && <><br />{series.note}</>}
      </p>
      <section className="panel" aria-labelledby="stability-title">
        <h2 id="stability-title">Rank stability</h2>
        <StabilityTable series={series} />
      </section>
      <section className="panel" aria-labelledby="windows-title">
        <h2 id="windows-title">Windows</h2>
        <div className="table-wrap">
          <table data-testid="windows-table">
            <thead>
              <tr>
                <th className="num">#</th><th>Season</th><th className="num">Start (UTC)</th><th className="num">End (UTC)</th>
                <th>Status</th><th className="num">Ticks</th><th>Winner</th>
              </tr>
            </thead>
            <tbody>
              {series.windows.map((window) => (
                <tr key={window.window} data-testid="window-row" data-season={window.season_id}>
                  <td className="num">{window.window}</td>
                  <td><Link to={`/arena/${window.season_id}`}>{window.name}</Link></td>
                  <td className="num"><Time ts={window.start} /></td>
                  <td className="num"><Time ts={window.end} /></td>
                  <td><span className={`badge status-${window.status}`}>{window.status}</span></td>
                  <td className="num">{window.ticks_done.toLocaleString('en-US')} / {window.ticks_total.toLocaleString('en-US')}</td>
                  <td>{window.winner ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function OneSeries({ id }: { id: number }) {
  const series = useQuery({ ...seriesQuery(id), enabled: Number.isInteger(id) && id > 0 });
  return (
    <section className="page manage-stack series-page" aria-labelledby="series-title">
      {!Number.isInteger(id) || id <= 0 ? (
        <ErrorState error={new Error('a series id is a positive whole number')} title="Unknown series" />
      ) : (
        <QueryView query={series} rows={8}>{(data) => <SeriesDetail series={data} />}</QueryView>
      )}
    </section>
  );
}

export default function SeriesPage() {
  const { seriesId } = useParams();
  return seriesId === undefined ? <SeriesList /> : <OneSeries id={Number(seriesId)} />;
}
