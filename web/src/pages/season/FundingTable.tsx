// Funding settlements of open positions: received (+) or paid (−).
import { useQuery } from '@tanstack/react-query';

import { QueryView } from '../../components/States';
import { Money, Time } from '../../components/Values';
import { EntryCell } from './EntryCell';
import type { ListProps } from './listProps';
import { Pager } from './Pager';
import { fundingQuery, LIST_PAGE } from './seasonQueries';
import { coinOf } from './seasonView';

export function FundingTable({ seasonId, entry, symbol, page, onPage, colorOf }: ListProps) {
  const funding = useQuery(fundingQuery(seasonId, { entry, symbol, limit: LIST_PAGE, offset: (page - 1) * LIST_PAGE }));
  return (
    <QueryView query={funding} isEmpty={(data) => data.total === 0} empty="No funding payments: funding settles on positions held across a settlement time.">
      {(data) => (
        <div data-testid="funding">
          <Pager total={data.total} limit={data.limit} offset={data.offset} noun="funding payments" onPage={onPage} />
          <div className="table-wrap">
            <table className="compact">
              <thead>
                <tr>
                  <th>Time (UTC)</th>
                  <th>Entry</th>
                  <th>Coin</th>
                  <th className="num">Amount (USDT)</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((item, index) => (
                  <tr key={`${item.entry}-${item.symbol}-${item.ts}-${index}`} data-testid="funding-row">
                    <td className="num"><Time ts={item.ts} /></td>
                    <EntryCell name={item.entry} color={colorOf(item.entry)} />
                    <td title={item.symbol}>{coinOf(item.symbol)}</td>
                    <td className="num"><Money value={item.amount} signed /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </QueryView>
  );
}
