// Open positions with their exit plans, marked at the season's last tick.
import { useQuery } from '@tanstack/react-query';

import { QueryView } from '../../components/States';
import { Money, Time } from '../../components/Values';
import { EntryCell } from './EntryCell';
import type { ListProps } from './listProps';
import { leverage, price, quantity } from './numbers';
import { Pager } from './Pager';
import { LIST_PAGE, positionsQuery } from './seasonQueries';
import { coinOf } from './seasonView';

export function PositionsTable({ seasonId, entry, symbol, page, onPage, colorOf }: ListProps) {
  const positions = useQuery(positionsQuery(seasonId, { entry, symbol, limit: LIST_PAGE, offset: (page - 1) * LIST_PAGE }));
  return (
    <QueryView query={positions} isEmpty={(data) => data.total === 0} empty="No open positions: every entry is flat (see Trades for what it closed).">
      {(data) => (
        <div data-testid="positions">
          <Pager total={data.total} limit={data.limit} offset={data.offset} noun="open positions" onPage={onPage} />
          <div className="table-wrap">
            <table className="compact">
              <thead>
                <tr>
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
                </tr>
              </thead>
              <tbody>
                {data.items.map((position) => (
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
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </QueryView>
  );
}
