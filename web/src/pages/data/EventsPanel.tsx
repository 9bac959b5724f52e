// Problems the integrity scans found, by status, a page at a time.
import { useState } from 'react';

import { Pager } from '../../components/Pager';
import { Empty, ErrorState, Skeleton } from '../../components/States';
import { Time } from '../../components/Values';
import { useIntegrityEvents, type EventStatus } from './queries';

const LIMIT = 25;
const STATUSES: Array<[EventStatus, string]> = [
  ['unresolved', 'Unresolved'],
  ['open', 'Open'],
  ['confirmed', 'Confirmed outages'],
  ['resolved', 'Resolved'],
  ['all', 'All'],
];

export function EventsPanel() {
  const [status, setStatus] = useState<EventStatus>('unresolved');
  const [offset, setOffset] = useState(0);
  const events = useIntegrityEvents(status, LIMIT, offset);
  return (
    <div className="panel" data-testid="events-panel">
      <div className="panel-head">
        <h2>Integrity events</h2>
        <label>
          Status
          <select
            value={status}
            onChange={(event) => {
              setStatus(event.target.value as EventStatus);
              setOffset(0);
            }}
            data-testid="events-status"
          >
            {STATUSES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {events.isPending ? (
        <Skeleton rows={5} label="Loading integrity events" />
      ) : events.error ? (
        <ErrorState error={events.error} title="Could not load integrity events" />
      ) : events.data.total === 0 ? (
        <Empty>
          {status === 'unresolved' || status === 'all'
            ? 'No problems recorded: press Scan to look for gaps, duplicates and broken bars.'
            : `No ${status} events.`}
        </Empty>
      ) : (
        <>
          <Pager
            offset={offset}
            limit={LIMIT}
            shown={events.data.items.length}
            total={events.data.total}
            noun="events"
            onOffset={setOffset}
            testId="events-pager"
          />
          <div className="table-wrap">
            <table data-testid="events-table">
              <thead>
                <tr>
                  <th>Symbol</th>
                  <th>Series</th>
                  <th>Kind</th>
                  <th>From</th>
                  <th>To</th>
                  <th className="num">Rows</th>
                  <th>Detail</th>
                  <th>Status</th>
                  <th>Detected</th>
                </tr>
              </thead>
              <tbody>
                {events.data.items.map((event) => (
                  <tr key={event.id} data-testid="event-row">
                    <td>{event.symbol}</td>
                    <td>{event.timeframe}</td>
                    <td>{event.kind.replaceAll('_', ' ')}</td>
                    <td>
                      <Time ts={event.ts_start} />
                    </td>
                    <td>
                      <Time ts={event.ts_end} />
                    </td>
                    <td className="num">{event.count.toLocaleString('en-US')}</td>
                    <td className="muted">{event.detail}</td>
                    <td>
                      <span className={`badge status-${event.status}`}>{event.status}</span>
                    </td>
                    <td>
                      <Time ts={event.ts_detected} relative />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
