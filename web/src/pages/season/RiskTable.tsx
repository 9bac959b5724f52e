// What the risk checks did to the entries' actions: denials with their rule and reason, and
// approvals they adjusted (leverage lowered, size capped...).
import { useQuery } from '@tanstack/react-query';

import { QueryView } from '../../components/States';
import { Time } from '../../components/Values';
import { EntryCell } from './EntryCell';
import type { ListProps } from './listProps';
import { Pager } from './Pager';
import { LIST_PAGE, riskEventsQuery } from './seasonQueries';
import { coinOf } from './seasonView';

export function RiskTable({ seasonId, entry, symbol, page, onPage, colorOf }: ListProps) {
  const events = useQuery(riskEventsQuery(seasonId, { entry, symbol, limit: LIST_PAGE, offset: (page - 1) * LIST_PAGE }));
  return (
    <QueryView query={events} isEmpty={(data) => data.total === 0} empty="No risk denials or adjustments: every action passed the risk checks as it was.">
      {(data) => (
        <div data-testid="risk-events">
          <Pager total={data.total} limit={data.limit} offset={data.offset} noun="risk events" onPage={onPage} />
          <div className="table-wrap">
            <table className="compact">
              <thead>
                <tr>
                  <th>Time (UTC)</th>
                  <th>Entry</th>
                  <th>Coin</th>
                  <th>Signal</th>
                  <th>Verdict</th>
                  <th>Rule</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((event, index) => (
                  <tr key={`${event.entry}-${event.tick}-${index}`} data-testid="risk-row">
                    <td className="num"><Time ts={event.ts} /></td>
                    <EntryCell name={event.entry} color={colorOf(event.entry)} />
                    <td title={event.symbol}>{coinOf(event.symbol)}</td>
                    <td>{event.signal}</td>
                    <td>
                      <span className={`badge ${event.approved ? 'warn' : 'loss'}`}>{event.approved ? 'adjusted' : 'denied'}</span>
                    </td>
                    <td>{event.rule || <span className="muted">—</span>}</td>
                    <td>{event.approved ? event.adjustments.join('; ') : event.reason}</td>
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
