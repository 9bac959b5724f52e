// A season in detail: its header and entries, then tabs for the model chat, positions, trades,
// orders, funding, risk denials and a coin's chart. Everything a link should reproduce (tab,
// coin, page; the entry in the path) lives in the URL.
import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';

import { Empty, ErrorState, Skeleton } from '../../components/States';
import { agentColor, claimColors } from '../../lib/colors';
import { coinOf } from '../../lib/format';
import { CoinChart } from './CoinChart';
import { FundingTable } from './FundingTable';
import type { ListProps } from './listProps';
import { ModelChat } from './ModelChat';
import { OrdersTable } from './OrdersTable';
import { PositionsTable } from './PositionsTable';
import { RiskTable } from './RiskTable';
import { SeasonHeader } from './SeasonHeader';
import { entriesQuery, seasonQuery } from './seasonQueries';
import { changeView, readView, symbolOf, TAB_LABELS, TABS, type SeasonView, type Tab } from './seasonView';
import { TradesTable } from './TradesTable';
import { useSeasonLive } from './useSeasonLive';
import { useTabCounts } from './useTabCounts';
import './season.css';

function symbolsOf(config: Record<string, unknown>): string[] {
  const symbols = config.symbols;
  return Array.isArray(symbols) ? symbols.filter((item): item is string => typeof item === 'string') : [];
}

export default function SeasonPage() {
  const { seasonId: rawId = '', entry: rawEntry } = useParams();
  const seasonId = /^\d+$/.test(rawId) ? Number(rawId) : NaN;
  if (!Number.isSafeInteger(seasonId) || seasonId < 1) {
    return (
      <section className="page">
        <h1>Season</h1>
        <ErrorState error={new Error(`"${rawId}" is not a season id: season ids are whole numbers (see the Seasons page)`)} />
      </section>
    );
  }
  return <SeasonDetail key={seasonId} seasonId={seasonId} entry={rawEntry ?? null} />;
}

function SeasonDetail({ seasonId, entry }: { seasonId: number; entry: string | null }) {
  const season = useQuery(seasonQuery(seasonId));
  const entries = useQuery(entriesQuery(seasonId));
  const [params, setParams] = useSearchParams();
  const view = readView(params);
  useSeasonLive(seasonId, season.data?.status === 'running');

  const setView = useCallback(
    (change: Partial<SeasonView>) => setParams((before) => changeView(before, change)),
    [setParams],
  );
  const baselines = useMemo(() => {
    const items = entries.data?.items ?? [];
    claimColors(items.map((item) => item.name)); // each entry its own colour, as on the Arena page
    return new Set(items.filter((item) => item.baseline).map((item) => item.name));
  }, [entries.data]);
  const colorOf = useCallback((name: string) => agentColor(name, baselines.has(name)), [baselines]);

  const symbols = season.data ? symbolsOf(season.data.config) : [];
  const symbol = symbolOf(view.coin, symbols);
  const known = entries.data?.items.some((item) => item.name === entry) ?? false;
  const counts = useTabCounts(seasonId, entry !== null && !known ? null : entry, symbol);

  if (season.isPending || entries.isPending) {
    return (
      <section className="page">
        <Skeleton rows={10} label="Loading the season" />
      </section>
    );
  }
  if (season.error || entries.error || !season.data || !entries.data) {
    return (
      <section className="page">
        <h1>Season {seasonId}</h1>
        <ErrorState error={season.error ?? entries.error} title="Could not load this season" />
        <p>
          <Link to="/seasons">All seasons</Link>
        </p>
      </section>
    );
  }
  if (entry !== null && !known) {
    return (
      <section className="page">
        <SeasonHeader season={season.data} entries={entries.data.items} entry={null} />
        <ErrorState
          title="No such entry"
          error={new Error(`season ${seasonId} has no entry "${entry}"; pick one of its entries above`)}
        />
      </section>
    );
  }

  const list: ListProps = { seasonId, entry, symbol, page: view.page, onPage: (page) => setView({ page }), colorOf };
  const chartSymbol = symbol ?? symbols[0] ?? null;

  return (
    <section className="page season-page">
      <SeasonHeader season={season.data} entries={entries.data.items} entry={entry} />
      <div className="season-toolbar row">
        <div role="tablist" aria-label="Season views" className="tabs season-tabs">
          {TABS.map((tab) => (
            <TabButton key={tab} tab={tab} selected={view.tab === tab} count={counts[tab]} onSelect={() => setView({ tab })} />
          ))}
        </div>
        <label className="coin-picker">
          Coin
          <select
            value={view.tab === 'chart' ? (chartSymbol ? coinOf(chartSymbol) : '') : symbol ? coinOf(symbol) : ''}
            onChange={(event) => setView({ coin: event.target.value || null })}
            data-testid="coin-select"
          >
            {view.tab !== 'chart' && <option value="">All coins</option>}
            {symbols.map((item) => (
              <option key={item} value={coinOf(item)}>
                {coinOf(item)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {view.coin && symbol === null && (
        <p className="notice" role="status">
          This season trades no {view.coin}; showing every coin.
        </p>
      )}
      <div role="tabpanel" id={`season-panel-${view.tab}`} aria-labelledby={`season-tab-${view.tab}`} className="panel">
        {view.tab === 'chat' && <ModelChat {...list} />}
        {view.tab === 'positions' && <PositionsTable {...list} />}
        {view.tab === 'trades' && <TradesTable {...list} />}
        {view.tab === 'orders' && <OrdersTable {...list} />}
        {view.tab === 'funding' && <FundingTable {...list} />}
        {view.tab === 'risk' && <RiskTable {...list} />}
        {view.tab === 'chart' &&
          (chartSymbol ? (
            <CoinChart season={season.data} symbol={chartSymbol} entry={entry} color={entry ? colorOf(entry) : ''} />
          ) : (
            <Empty>This season names no symbols to chart.</Empty>
          ))}
      </div>
    </section>
  );
}

function TabButton({ tab, selected, count, onSelect }: { tab: Tab; selected: boolean; count: number | undefined; onSelect: () => void }) {
  return (
    <button
      type="button"
      role="tab"
      id={`season-tab-${tab}`}
      aria-selected={selected}
      aria-controls={selected ? `season-panel-${tab}` : undefined}
      onClick={onSelect}
      data-testid={`tab-${tab}`}
    >
      {TAB_LABELS[tab]}
      {count !== undefined && (
        <span className="badge tab-count num" data-testid={`tab-count-${tab}`}>
          {count.toLocaleString('en-US')}
        </span>
      )}
    </button>
  );
}
