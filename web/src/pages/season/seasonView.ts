// The page's linkable state, kept in the URL's search params so a link reproduces the view:
// ?tab=orders&coin=BTC&page=2 (the entry is in the path: /seasons/:id/entries/:entry).
import { coinOf } from '../../lib/format';

export const TABS = ['chat', 'positions', 'trades', 'orders', 'funding', 'risk', 'chart'] as const;
export type Tab = (typeof TABS)[number];

export const TAB_LABELS: Record<Tab, string> = {
  chat: 'Model chat',
  positions: 'Positions',
  trades: 'Trades',
  orders: 'Orders',
  funding: 'Funding',
  risk: 'Risk denials',
  chart: 'Chart',
};

export interface SeasonView {
  tab: Tab;
  coin: string | null; // a coin ("BTC"), never the whole symbol: short links
  page: number; // 1-based
}

function isTab(value: string | null): value is Tab {
  return value !== null && (TABS as readonly string[]).includes(value);
}

export function readView(params: URLSearchParams): SeasonView {
  const tab = params.get('tab');
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  return {
    tab: isTab(tab) ? tab : 'chat',
    coin: params.get('coin') || null,
    page: Number.isFinite(page) && page >= 1 ? page : 1,
  };
}

/** The params after a change; another tab or coin starts again at the first page. */
export function changeView(params: URLSearchParams, change: Partial<SeasonView>): URLSearchParams {
  const next = { ...readView(params), ...change };
  if (change.page === undefined && (change.tab !== undefined || change.coin !== undefined)) next.page = 1;
  const out = new URLSearchParams();
  if (next.tab !== 'chat') out.set('tab', next.tab);
  if (next.coin) out.set('coin', next.coin);
  if (next.page > 1) out.set('page', String(next.page));
  return out;
}

/** The season's symbol of a coin ("BTC" → "BTC/USDT:USDT"), or null if it trades no such coin. */
export function symbolOf(coin: string | null, symbols: readonly string[]): string | null {
  if (!coin) return null;
  const wanted = coin.toUpperCase();
  return symbols.find((symbol) => coinOf(symbol).toUpperCase() === wanted || symbol === coin) ?? null;
}

/** The path of the season, or of one entry in it, keeping the view's params. */
export function seasonPath(seasonId: number, entry: string | null, params: URLSearchParams): string {
  const base = entry ? `/seasons/${seasonId}/entries/${encodeURIComponent(entry)}` : `/seasons/${seasonId}`;
  const query = changeView(params, { page: 1 }).toString();
  return query ? `${base}?${query}` : base;
}
