// How many items each tab holds under the current filters (one item asked of each list: the
// API's totals), shown in the tab labels.
import { useQueries } from '@tanstack/react-query';

import {
  decisionsQuery,
  fundingQuery,
  ordersQuery,
  positionsQuery,
  riskEventsQuery,
  tradesQuery,
  type ListFilter,
} from './seasonQueries';
import type { Tab } from './seasonView';

export function useTabCounts(seasonId: number, entry: string | null, symbol: string | null): Partial<Record<Tab, number>> {
  const filter: ListFilter = { entry, symbol, limit: 1, offset: 0 };
  const [chat, positions, trades, orders, funding, risk] = useQueries({
    queries: [
      decisionsQuery(seasonId, filter),
      positionsQuery(seasonId, filter),
      tradesQuery(seasonId, filter),
      ordersQuery(seasonId, filter),
      fundingQuery(seasonId, filter),
      riskEventsQuery(seasonId, filter),
    ],
  });
  return {
    chat: chat?.data?.total,
    positions: positions?.data?.total,
    trades: trades?.data?.total,
    orders: orders?.data?.total,
    funding: funding?.data?.total,
    risk: risk?.data?.total,
  };
}
