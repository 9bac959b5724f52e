// Completed round trips (flat to flat), newest close first, with their net result.
import { useQuery } from '@tanstack/react-query';

import { Money, Time } from '../../components/Values';
import { coinOf } from '../../lib/format';
import { EntryCell } from './EntryCell';
import { listFilter, type ListProps } from './listProps';
import { price, quantity } from './numbers';
import { LIST_PAGE, tradesQuery } from './seasonQueries';
import { SeasonTable } from './SeasonList';

export function TradesTable({ seasonId, onPage, colorOf, ...filters }: ListProps) {
  const trades = useQuery(tradesQuery(seasonId, listFilter(filters, LIST_PAGE)));
  return (
    <SeasonTable
      query={trades}
      noun="completed trades"
      empty="No completed trades yet: a trade shows here once a position is closed back to flat."
      testId="trades"
      onPage={onPage}
      head={
        <>
          <th>Entry</th>
          <th>Coin</th>
          <th>Side</th>
          <th className="num">Qty</th>
          <th>Opened (UTC)</th>
          <th>Closed (UTC)</th>
          <th className="num">Entry price</th>
          <th className="num">Exit price</th>
          <th className="num">Fees</th>
          <th className="num">Funding</th>
          <th className="num">Net PnL</th>
          <th>Closed by</th>
        </>
      }
      row={(trade, index) => (
        <tr key={`${trade.entry}-${trade.symbol}-${trade.ts_exit}-${index}`} data-testid="trade-row">
          <EntryCell name={trade.entry} color={colorOf(trade.entry)} />
          <td title={trade.symbol}>{coinOf(trade.symbol)}</td>
          <td className={trade.side === 'long' ? 'gain' : 'loss'}>{trade.side}</td>
          <td className="num">{quantity(trade.quantity)}</td>
          <td className="num"><Time ts={trade.ts_entry} /></td>
          <td className="num"><Time ts={trade.ts_exit} /></td>
          <td className="num">{price(trade.entry_price)}</td>
          <td className="num">{price(trade.exit_price)}</td>
          <td className="num"><Money value={trade.fees} /></td>
          <td className="num"><Money value={trade.funding} signed /></td>
          <td className="num" data-testid="net-pnl"><Money value={trade.net_pnl} signed /></td>
          <td>{trade.exit_reason.replace('_', ' ')}</td>
        </tr>
      )}
    />
  );
}
