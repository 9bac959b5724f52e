// Open positions with their exit plans, marked at the season's last tick.
import { useQuery } from '@tanstack/react-query';

import { Money, Time } from '../../components/Values';
import { coinOf } from '../../lib/format';
import { EntryCell } from './EntryCell';
import { listFilter, type ListProps } from './listProps';
import { leverage, price, quantity } from './numbers';
import { LIST_PAGE, positionsQuery } from './seasonQueries';
import { SeasonTable } from './SeasonList';

export function PositionsTable({ seasonId, onPage, colorOf, ...filters }: ListProps) {
  const positions = useQuery(positionsQuery(seasonId, listFilter(filters, LIST_PAGE)));
  return (
    <SeasonTable
      query={positions}
      noun="open positions"
      empty="No open positions: every entry is flat (see Trades for what it closed)."
      testId="positions"
      onPage={onPage}
      head={
        <>
          <th>Entry</th>
          <th>Coin</th>
          <th>Side</th>
          <th className="num">Qty</th>
          <th className="num">Entry price</th>
          <th className="num">Mark</th>
          <th className="num">Unrealized PnL</th>
          <th className="num">Lev.</th>
          <th className="num">Liq.</th>
          <th className="num">Take profit</th>
          <th className="num">Stop loss</th>
          <th>Invalidation</th>
          <th>Opened (UTC)</th>
        </>
      }
      row={(position) => (
        <tr key={`${position.entry}-${position.symbol}`} data-testid="position-row">
          <EntryCell name={position.entry} color={colorOf(position.entry)} />
          <td title={position.symbol}>{coinOf(position.symbol)}</td>
          <td className={position.side === 'long' ? 'gain' : 'loss'}>{position.side}</td>
          <td className="num">{quantity(Math.abs(position.quantity))}</td>
          <td className="num">{price(position.entry_price)}</td>
          <td className="num">{price(position.mark_price)}</td>
          <td className="num" data-testid="unrealized-pnl">
            <Money value={position.unrealized_pnl} signed />
          </td>
          <td className="num">{leverage(position.leverage)}</td>
          <td className="num">{position.liquidation_price > 0 ? price(position.liquidation_price) : '—'}</td>
          <td className="num">{price(position.take_profit)}</td>
          <td className="num">{price(position.stop_loss)}</td>
          <td>{position.invalidation || <span className="muted">—</span>}</td>
          <td className="num">
            <Time ts={position.opened} />
          </td>
        </tr>
      )}
    />
  );
}
