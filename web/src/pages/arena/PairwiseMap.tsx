// "Who beats whom": for every pair of the season's entries, the chance that one's return beats
// the other's, as a heat map in the leaderboard's order. A live season's map follows its ticks,
// asked for again at most every COMPARE_EVERY_MS (the bootstrap is not free) and once more when
// the season stops.
import { useEffect, useRef, useState } from 'react';

import { Empty, ErrorState, Skeleton } from '../../components/States';
import { Swatch } from '../../components/Values';
import { agentColor } from '../../lib/colors';
import { beatsTitle, COMPARE_EVERY_MS, orderedMatrix, percent, refetchDelay, shade } from './pairwise';
import { useComparison, type Comparison, type Leaderboard } from './queries';

/** `value`, but a change shows at most every `everyMs` (the last one always lands), and at once
 *  when `immediate`. */
function useThrottled<T>(value: T, everyMs: number, immediate: boolean): T {
  const [shown, setShown] = useState(value);
  const shownAt = useRef(0);
  useEffect(() => {
    if (Object.is(value, shown)) return undefined;
    const timer = setTimeout(() => {
      shownAt.current = Date.now();
      setShown(value);
    }, refetchDelay(shownAt.current, Date.now(), everyMs, immediate));
    return () => clearTimeout(timer);
  }, [value, shown, everyMs, immediate]);
  return shown;
}

function Legend() {
  const steps = [0.1, 0.3, 0.5, 0.7, 0.9];
  return (
    <div className="pairwise-legend muted" aria-hidden>
      <span>row behind</span>
      {steps.map((p) => (
        <span key={p} className="pairwise-legend-step" style={{ background: shade(p).background }}>{percent(p)}</span>
      ))}
      <span>row ahead</span>
    </div>
  );
}

function Name({ name, baselines }: { name: string; baselines: ReadonlySet<string> }) {
  const baseline = baselines.has(name);
  return (
    <span className="pairwise-name">
      <Swatch color={agentColor(name, baseline)} dashed={baseline} />
      <span className="pairwise-label" title={name}>{name}</span>
    </span>
  );
}

function Matrix({ comparison, order, baselines }: {
  comparison: Comparison; order: readonly string[]; baselines: ReadonlySet<string>;
}) {
  const { entries, p } = orderedMatrix(comparison, order);
  return (
    <>
      <div className="table-wrap pairwise-wrap">
        <table className="pairwise" data-testid="pairwise-map">
          <thead>
            <tr>
              <th scope="col"><span className="visually-hidden">Row beats column</span></th>
              {entries.map((name) => (
                <th key={name} scope="col" className="pairwise-col" data-entry={name}>
                  <Name name={name} baselines={baselines} />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {entries.map((rowName, i) => (
              <tr key={rowName} data-testid="pairwise-row" data-entry={rowName}>
                <th scope="row"><Name name={rowName} baselines={baselines} /></th>
                {entries.map((columnName, j) => {
                  if (i === j) return <td key={columnName} className="pairwise-diagonal" data-testid="pairwise-diagonal" />;
                  const value = p[i]?.[j] ?? 0.5;
                  const { side, background } = shade(value);
                  return (
                    <td key={columnName} className={`num pairwise-cell ${side}`} style={{ background }}
                      title={beatsTitle(rowName, columnName, value)} data-testid="pairwise-cell"
                      data-row={rowName} data-column={columnName} data-p={value}>
                      {percent(value)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted pairwise-caption" data-testid="pairwise-caption">
        Each cell is the chance that the row’s entry ends with a higher return than the column’s, over{' '}
        {comparison.samples.toLocaleString('en-US')} bootstrap resamples of {comparison.ticks.toLocaleString('en-US')} ticks
        {' '}(50%: a coin toss).
      </p>
      <Legend />
    </>
  );
}

/** The panel's body for a season's current leaderboard (`order`: its rows as shown). */
export function PairwiseMap({ seasonId, board, order, baselines }: {
  seasonId: number; board: Leaderboard; order: readonly string[]; baselines: ReadonlySet<string>;
}) {
  const comparable = board.ticks > 0 && board.rows.length >= 2;
  const ticks = useThrottled(board.ticks, COMPARE_EVERY_MS, board.status !== 'running');
  const query = useComparison(seasonId, ticks, comparable && ticks > 0);

  if (!comparable) {
    return (
      <Empty>
        {board.rows.length < 2
          ? 'The comparison needs at least two entries: add another agent to the season.'
          : 'Nothing to compare yet: the map appears once the season has run its first tick.'}
      </Empty>
    );
  }
  if (query.error) return <ErrorState error={query.error} title="Could not compare the entries" />;
  if (query.data === undefined) return <Skeleton rows={Math.min(board.rows.length, 8)} label="Comparing the entries" />;
  if (query.data.entries.length < 2) return <Empty>The comparison needs at least two entries with returns.</Empty>;
  return <Matrix comparison={query.data} order={order} baselines={baselines} />;
}
