// Every stored series: its first and last row, rows against the rows expected, and its gaps.
import type { Schemas } from '../../api/client';
import { Time } from '../../components/Values';
import { completeness, completenessLabel, coverageTotals, spanLabel } from './coverage';

export function CoverageTable({ items }: { items: Schemas['SeriesCoverage'][] }) {
  const totals = coverageTotals(items);
  return (
    <>
      <p className="muted small" data-testid="coverage-totals">
        {totals.series} series of {totals.symbols} symbols · {totals.rows.toLocaleString('en-US')} rows ·{' '}
        {totals.withGaps === 0 ? (
          'no gaps'
        ) : (
          <span className="warn">
            {totals.gaps.toLocaleString('en-US')} gaps ({totals.missing.toLocaleString('en-US')} missing rows) in {totals.withGaps} series
          </span>
        )}
      </p>
      <div className="table-wrap">
        <table data-testid="coverage-table">
          <thead>
            <tr>
              <th>Exchange</th>
              <th>Symbol</th>
              <th>Series</th>
              <th>First</th>
              <th>Last</th>
              <th className="num">Span</th>
              <th className="num">Rows</th>
              <th className="num">Complete</th>
              <th className="num">Missing</th>
              <th className="num">Gaps</th>
              <th className="num">Largest gap</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => {
              const fraction = completeness(item.rows, item.expected_rows);
              return (
                <tr
                  key={`${item.exchange}|${item.symbol}|${item.dataset}|${item.timeframe}`}
                  data-testid="coverage-row"
                  data-series={`${item.symbol} ${item.timeframe}`}
                >
                  <td>{item.exchange}</td>
                  <td>{item.symbol}</td>
                  <td>{item.dataset === 'funding' ? 'funding' : `candles ${item.timeframe}`}</td>
                  <td>
                    <Time ts={item.ts_first} />
                  </td>
                  <td>
                    <Time ts={item.ts_last} />
                  </td>
                  <td className="num">{spanLabel(item.ts_first, item.ts_last)}</td>
                  <td className="num" data-testid="coverage-rows">
                    {item.rows.toLocaleString('en-US')}
                  </td>
                  <td className={`num ${item.missing_rows > 0 ? 'warn' : ''}`}>{completenessLabel(fraction)}</td>
                  <td className={`num ${item.missing_rows > 0 ? 'warn' : 'muted'}`} data-testid="coverage-missing">
                    {item.missing_rows.toLocaleString('en-US')}
                  </td>
                  <td className={`num ${item.gaps > 0 ? 'warn' : 'muted'}`} data-testid="coverage-gaps">
                    {item.gaps.toLocaleString('en-US')}
                  </td>
                  <td className="num muted">{item.largest_gap ? item.largest_gap.toLocaleString('en-US') : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
