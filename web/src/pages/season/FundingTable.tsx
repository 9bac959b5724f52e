// Funding settlements of open positions: received (+) or paid (−).
import { useQuery } from '@tanstack/react-query';

import { Money, Time } from '../../components/Values';
import { coinOf } from '../../lib/format';
import { EntryCell } from './EntryCell';
import { listFilter, type ListProps } from './listProps';
import { fundingQuery, LIST_PAGE } from './seasonQueries';
import { SeasonTable } from './SeasonList';

export function FundingTable({ seasonId, onPage, colorOf, ...filters }: ListProps) {
  const funding = useQuery(fundingQuery(seasonId, listFilter(filters, LIST_PAGE)));
  return (
    <SeasonTable
      query={funding}
      noun="funding payments"
      empty="No funding payments: funding settles on positions held across a settlement time."
      testId="funding"
      onPage={onPage}
      head={
        <>
          <th>Time (UTC)</th>
          <th>Entry</th>
          <th>Coin</th>
          <th className="num">Amount (USDT)</th>
        </>
      }
      row={(item, index) => (
        <tr key={`${item.entry}-${item.symbol}-${item.ts}-${index}`} data-testid="funding-row">
          <td className="num"><Time ts={item.ts} /></td>
          <EntryCell name={item.entry} color={colorOf(item.entry)} />
          <td title={item.symbol}>{coinOf(item.symbol)}</td>
          <td className="num"><Money value={item.amount} signed /></td>
        </tr>
      )}
    />
  );
}
