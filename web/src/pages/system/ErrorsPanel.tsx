// The last failures the server saw (5xx answers, season runner errors), newest first.
import { QueryView } from '../../components/States';
import { Time } from '../../components/Values';
import { useRecentErrors } from './queries';

export function ErrorsPanel() {
  const errors = useRecentErrors();
  return (
    <QueryView
      query={errors}
      rows={3}
      isEmpty={(data) => data.items.length === 0}
      empty="No failures since the server started. Failed requests and season runner errors appear here."
    >
      {(data) => (
        <>
          <p className="muted small">
            {data.total.toLocaleString('en-US')} since the server started
            {data.total > data.items.length ? `; the newest ${data.items.length} shown` : ''}.
          </p>
          <div className="table-wrap">
            <table data-testid="errors-table">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Kind</th>
                  <th>Where</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((item, index) => (
                  <tr key={`${item.ts}-${index}`} data-testid="error-row">
                    <td>
                      <Time ts={item.ts} />
                    </td>
                    <td>
                      <span className="badge">{item.kind}</span>
                    </td>
                    <td>{item.season_id !== null && item.season_id !== undefined ? `season #${item.season_id}` : (item.where ?? '—')}</td>
                    <td className="loss">
                      <code>{item.error_type}</code> {item.message}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </QueryView>
  );
}
