// What the risk checks did to the entries' actions: denials with their rule and reason, and
// approvals they adjusted (leverage lowered, size capped...).
import { useQuery } from '@tanstack/react-query';

import { Time } from '../../components/Values';
import { coinOf } from '../../lib/format';
import { EntryCell } from './EntryCell';
import { listFilter, type ListProps } from './listProps';
import { LIST_PAGE, riskEventsQuery } from './seasonQueries';
import { SeasonTable } from './SeasonList';

export function RiskTable({ seasonId, onPage, colorOf, ...filters }: ListProps) {
  const events = useQuery(riskEventsQuery(seasonId, listFilter(filters, LIST_PAGE)));
  return (
    <SeasonTable
      query={events}
      noun="risk events"
      empty="No risk denials or adjustments: every action passed the risk checks as it was."
      testId="risk-events"
      onPage={onPage}
      head={
        <>
          <th>Time (UTC)</th>
          <th>Entry</th>
          <th>Coin</th>
          <th>Signal</th>
          <th>Verdict</th>
          <th>Rule</th>
          <th>Why</th>
        </>
      }
      row={(event, index) => (
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
      )}
    />
  );
}
