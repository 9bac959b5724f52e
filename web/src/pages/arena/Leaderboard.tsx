// The ranking, sortable by any column: return with its bootstrap interval drawn as a range bar,
// alpha vs BTC with its interval, P(beats BTC), Sharpe with its interval, beta and exposure
// (skill against riding the market), costs, decision quality and the agent's fingerprint.
import { useMemo, useState, type ReactNode } from 'react';

import { Money, Pct, Swatch } from '../../components/Values';
import { agentColor } from '../../lib/colors';
import { interval, money, num, pct } from '../../lib/format';
import { DEFAULT_SORT, nextSort, sortRows, type Sort, type SortKey } from './leaderboardSort';
import type { Leaderboard as Board, LeaderboardRow } from './queries';

interface Scale {
  low: number;
  high: number;
}

interface Column {
  label: string;
  key: SortKey | null;
  title?: string;
  numeric?: boolean;
  cell: (row: LeaderboardRow, board: Board, scale: Scale) => ReactNode;
}

function latency(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1) return `${num(ms, 2)} ms`;
  if (ms < 1000) return `${num(ms, 0)} ms`;
  return `${num(ms / 1000, 1)} s`;
}

function llmCost(usd: number | null): string {
  if (usd === null) return 'unknown';
  return `$${usd > 0 && usd < 1 ? num(usd, 4) : money(usd)}`;
}

/** Where a return (in %) sits on the bar, as a CSS percentage. */
function at(value: number, scale: Scale): string {
  const span = scale.high - scale.low || 1;
  return `${(((value - scale.low) / span) * 100).toFixed(2)}%`;
}

function RangeBar({ row, scale }: { row: LeaderboardRow; scale: Scale }) {
  const left = at(row.return_low_pct, scale);
  const width = `${(((row.return_high_pct - row.return_low_pct) / (scale.high - scale.low || 1)) * 100).toFixed(2)}%`;
  return (
    <div className="rangebar" data-testid="rangebar" aria-hidden>
      <span style={{ left, width }} />
      <i style={{ left: at(row.return_pct, scale) }} />
    </div>
  );
}

/** The interval's share of the board's confidence, as "90%". */
function level(board: Board): string {
  return `${Math.round(board.confidence * 100)}%`;
}

function AlphaCell({ row, board }: { row: LeaderboardRow; board: Board }) {
  if (row.alpha_btc_pct === null) {
    return <span className="muted" title="Undefined: fewer than three ticks, or no BTC prices">—</span>;
  }
  const basket = row.alpha_basket_pct === null ? '' :
    ` · vs the equal-weight basket: ${pct(row.alpha_basket_pct / 100)} (${interval(
      row.alpha_basket_low_pct === null ? null : row.alpha_basket_low_pct / 100,
      row.alpha_basket_high_pct === null ? null : row.alpha_basket_high_pct / 100)})`;
  return (
    <div data-testid="alpha">
      <Pct value={row.alpha_btc_pct / 100} />
      <div className="muted interval" data-testid="alpha-interval" title={`${level(board)} interval of the alpha vs BTC${basket}`}>
        {interval(
          row.alpha_btc_low_pct === null ? null : row.alpha_btc_low_pct / 100,
          row.alpha_btc_high_pct === null ? null : row.alpha_btc_high_pct / 100,
        )}
      </div>
    </div>
  );
}

function BetaCell({ row }: { row: LeaderboardRow }) {
  if (row.beta_btc === null) return <span className="muted" title="Undefined: fewer than three ticks, or no BTC prices">—</span>;
  const basket = row.beta_basket === null ? '' : ` · to the equal-weight basket: ${num(row.beta_basket, 2)}`;
  return (
    <span className="num" data-testid="beta" title={`Beta to BTC: ${num(row.beta_btc, 2)}${basket}`}>
      {num(row.beta_btc, 2)}
    </span>
  );
}

/** Fractions of the ticks spent net long, net short and flat, as one thin bar. */
function SidesBar({ row }: { row: LeaderboardRow }) {
  const shares = [
    ['long', row.long_share], ['short', row.short_share], ['flat', row.flat_share],
  ] as const;
  return (
    <div className="sides-bar" data-testid="sides-bar" aria-hidden>
      {shares.map(([side, share]) => (
        <span key={side} className={`side-${side}`} style={{ width: `${((share ?? 0) * 100).toFixed(1)}%` }} />
      ))}
    </div>
  );
}

function exposureTitle(row: LeaderboardRow): string {
  const share = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)}%`);
  return [
    `Net exposure ${pct(row.net_exposure, 0)} of equity on average, gross ${share(row.gross_exposure)}`,
    `net long ${share(row.long_share)} of the ticks, net short ${share(row.short_share)}, flat ${share(row.flat_share)}`,
    `turnover ${row.turnover === null ? '—' : `${num(row.turnover, 1)}×`} the average equity`,
  ].join('; ');
}

function ExposureCell({ row }: { row: LeaderboardRow }) {
  if (row.net_exposure === null) return <span className="muted" title="No ticks yet">—</span>;
  return (
    <div className="exposure-cell" data-testid="exposure" title={exposureTitle(row)}>
      <span className="num">{pct(row.net_exposure, 0)}</span>
      <SidesBar row={row} />
      <span className="muted interval" data-testid="exposure-detail">
        gross {row.gross_exposure === null ? '—' : `${Math.round(row.gross_exposure * 100)}%`}
        {' · '}{row.turnover === null ? '—' : `${num(row.turnover, 1)}×`}
      </span>
    </div>
  );
}

const COLUMNS: Column[] = [
  { label: '#', key: 'rank', numeric: true, cell: (row) => row.rank },
  {
    label: 'Entry', key: 'name',
    cell: (row, board) => (
      <span className="entry-name">
        <Swatch color={agentColor(row.name, row.baseline)} dashed={row.baseline} />
        <span title={row.description}>{row.name}</span>
        {row.few_trades && (
          <abbr className="few-trades" data-testid="few-trades"
            title={`Fewer than ${board.min_trades} trades: its return and Sharpe say little yet`}>*</abbr>
        )}
        {row.baseline && <span className="badge" data-testid="baseline-badge">baseline</span>}
        {row.status !== 'active' && <span className="badge">{row.status}</span>}
      </span>
    ),
  },
  { label: 'Account value', key: 'account_value', numeric: true, cell: (row) => <Money value={row.account_value} /> },
  {
    label: 'Return', key: 'return_pct', numeric: true,
    title: 'Return since the start, with its bootstrap interval',
    cell: (row, board, scale) => (
      <div className="return-cell">
        <Pct value={row.return_pct / 100} />
        <RangeBar row={row} scale={scale} />
        <span className="muted interval" data-testid="return-interval"
          title={`${Math.round(board.confidence * 100)}% interval of the return`}>
          {interval(row.return_low_pct / 100, row.return_high_pct / 100)}
        </span>
      </div>
    ),
  },
  {
    label: 'Alpha/yr', key: 'alpha_btc_pct', numeric: true,
    title: 'Jensen\'s alpha vs BTC per year: the return left once the part explained by moving with BTC (beta) is taken out, with its bootstrap interval',
    cell: (row, board) => <AlphaCell row={row} board={board} />,
  },
  {
    label: 'P(beats BTC)', key: 'p_beats_btc', numeric: true,
    title: 'Probability that it beats holding BTC (bootstrap)',
    cell: (row) => (row.p_beats_btc === null ? '—' : `${(row.p_beats_btc * 100).toFixed(0)}%`),
  },
  {
    label: 'Sharpe', key: 'sharpe', numeric: true,
    cell: (row, board) => (
      <div>
        <span className="num">{num(row.sharpe, 2)}</span>
        {row.sharpe !== null && (
          <div className="muted interval" title={`${level(board)} interval of the Sharpe ratio`}>
            {num(row.sharpe_low, 2)} … {num(row.sharpe_high, 2)}
          </div>
        )}
      </div>
    ),
  },
  {
    label: 'Beta', key: 'beta_btc', numeric: true,
    title: 'How much it moves with BTC (1: as much, 0: unrelated, below 0: against it); sorts closest to 0, the most market-neutral, first; the basket\'s beta on hover',
    cell: (row) => <BetaCell row={row} />,
  },
  {
    label: 'Exposure', key: 'net_exposure', numeric: true,
    title: 'Average net exposure (long minus short) as a share of equity; beneath, the ticks spent long / short / flat, gross exposure and turnover',
    cell: (row) => <ExposureCell row={row} />,
  },
  {
    label: 'Max DD', key: 'max_drawdown_pct', numeric: true, title: 'Largest fall from a peak',
    cell: (row) => <Pct value={-row.max_drawdown_pct / 100} />,
  },
  { label: 'Trades', key: 'trades', numeric: true, cell: (row) => row.trades.toLocaleString('en-US') },
  { label: 'Fees', key: 'fees', numeric: true, cell: (row) => <Money value={row.fees} /> },
  { label: 'Funding', key: 'funding', numeric: true, title: 'Funding received (+) or paid (−)', cell: (row) => <Money value={row.funding} signed /> },
  {
    label: 'LLM cost', key: 'llm_cost_usd', numeric: true, title: 'Unknown when a model has no known price',
    cell: (row) => <span className={row.llm_cost_usd === null ? 'muted' : ''}>{llmCost(row.llm_cost_usd)}</span>,
  },
  {
    label: 'Invalid', key: 'invalid_decisions', numeric: true,
    title: 'Invalid answers / repaired answers / missed deadlines',
    cell: (row) => (
      <span title={`${row.invalid_decisions} invalid, ${row.repaired_answers} repaired, ${row.missed_deadlines} missed deadlines`}>
        {row.invalid_decisions}/{row.repaired_answers}/{row.missed_deadlines}
      </span>
    ),
  },
  { label: 'Latency', key: 'avg_decision_ms', numeric: true, title: 'Average time to decide', cell: (row) => latency(row.avg_decision_ms) },
  { label: 'Fingerprint', key: null, title: 'Identifies the agent\'s exact configuration', cell: (row) => <code>{row.fingerprint}</code> },
];

/** The table; its sort is the caller's when it passes `sort` and `onSort` (the heat map below
 *  follows it), else its own. */
export function LeaderboardTable({ board, sort: given, onSort }: { board: Board; sort?: Sort; onSort?: (sort: Sort) => void }) {
  const [own, setOwn] = useState<Sort>(DEFAULT_SORT);
  const sort = given ?? own;
  const rows = useMemo(() => sortRows(board.rows, sort), [board.rows, sort]);
  const setSort = (key: SortKey) => {
    const next = nextSort(sort, key);
    setOwn(next);
    onSort?.(next);
  };
  const scale = useMemo<Scale>(() => ({
    low: Math.min(0, ...board.rows.map((row) => row.return_low_pct)),
    high: Math.max(0, ...board.rows.map((row) => row.return_high_pct)),
  }), [board.rows]);

  return (
    <div className="table-wrap">
      <table className="leaderboard" data-testid="leaderboard">
        <caption className="muted">
          {board.ticks.toLocaleString('en-US')} ticks · intervals: {Math.round(board.confidence * 100)}% bootstrap ·
          {' '}* fewer than {board.min_trades} trades · exposure bar: ticks net <span className="side-key side-long">long</span>,
          {' '}<span className="side-key side-short">short</span>, <span className="side-key side-flat">flat</span>
        </caption>
        <thead>
          <tr>
            {COLUMNS.map((column) => {
              const sorted = column.key !== null && sort.key === column.key;
              return (
                <th key={column.label} className={column.numeric ? 'num' : undefined} title={column.title}
                  aria-sort={sorted ? (sort.direction === 'asc' ? 'ascending' : 'descending') : undefined}>
                  {column.key === null ? column.label : (
                    <button type="button" className="sort" onClick={() => setSort(column.key as SortKey)}>
                      {column.label}{sorted ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ''}
                    </button>
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.entry_id} data-testid="leaderboard-row" data-entry={row.name} data-baseline={row.baseline}>
              {COLUMNS.map((column) => (
                <td key={column.label} className={column.numeric ? 'num' : undefined}>
                  {column.cell(row, board, scale)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

