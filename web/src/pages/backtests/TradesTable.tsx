// A run's trades, a page at a time, as the API pages them.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { Pager } from '../../components/Pager';
import { QueryView } from '../../components/States';
import { Money, Time } from '../../components/Values';
import { money, num } from '../../lib/format';
import { tradesQuery } from './queries';

const PAGE = 25;

export function TradesTable({ runId }: { runId: number }) {
  const [offset, setOffset] = useState(0);
  const trades = useQuery(tradesQuery(runId, PAGE, offset));
  return (
    <QueryView query={trades} isEmpty={(data) => data.total === 0} empty="This run made no trade (see the risk denials above, or widen the window).">
      {(data) => (
        <>
          <div className="table-wrap">
            <table data-testid="trades-table">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Symbol</th>
                  <th scope="col">Side</th>
                  <th scope="col">Entry (UTC)</th>
                  <th scope="col">Exit (UTC)</th>
                  <th scope="col" className="num">Quantity</th>
                  <th scope="col" className="num">Entry price</th>
                  <th scope="col" className="num">Exit price</th>
                  <th scope="col" className="num">Fees</th>
                  <th scope="col" className="num">PnL (net)</th>
                  <th scope="col">Exit reason</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((trade) => (
                  <tr key={trade.seq}>
                    <td className="num">{trade.seq + 1}</td>
                    <td>{trade.symbol}</td>
                    <td>{trade.side}</td>
                    <td>
                      <Time ts={trade.ts_entry} />
                    </td>
                    <td>
                      <Time ts={trade.ts_exit} />
                    </td>
                    <td className="num">{num(trade.quantity, 4)}</td>
                    <td className="num">{money(trade.entry_price)}</td>
                    <td className="num">{money(trade.exit_price)}</td>
                    <td className="num">{money(trade.fees)}</td>
                    <td>
                      <Money value={trade.pnl} signed />
                    </td>
                    <td>{trade.exit_reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager total={data.total} limit={PAGE} offset={offset} noun="trades" onOffset={setOffset} testId="trades-pager" />
        </>
      )}
    </QueryView>
  );
}
