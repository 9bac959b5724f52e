// The account-value chart's data: equity histories turned into one line per entry (in money,
// or as growth since the start for the % view), and live ticks merged into the cached history.
import type { ChartLine, ValueMode } from '../../components/charts/AccountValueChart';
import { agentColor } from '../../lib/colors';
import type { TickData } from '../../live/messages';
import type { Equity, Season } from './queries';

type Point = Equity['series'][number]['points'][number];

/** A log scale cannot show zero or less (a liquidated entry): floor it just above. */
const LOG_FLOOR = 1e-6;

/** The season's starting capital, from its configuration. */
export function capitalOf(season: Pick<Season, 'config'> | null | undefined): number | undefined {
  const capital = season?.config?.capital;
  return typeof capital === 'number' && capital > 0 ? capital : undefined;
}

/**
 * One line per entry, baselines first (drawn underneath). In 'pct' mode the value is the
 * growth factor (account value / starting capital; the chart prints it as a return), which
 * a log scale can show; 'usd' is the account value itself.
 */
export function toChartLines(
  equity: Equity,
  baselines: ReadonlySet<string>,
  mode: ValueMode,
  log: boolean,
  capital?: number,
): ChartLine[] {
  const lines = equity.series.map((series) => {
    const baseline = baselines.has(series.entry);
    const start = capital ?? series.points[0]?.equity ?? 1;
    const points = series.points.map((point) => {
      const value = mode === 'pct' ? point.equity / start : point.equity;
      return { ts: point.ts, value: log ? Math.max(value, LOG_FLOOR) : value };
    });
    return { name: series.entry, color: agentColor(series.entry, baseline), baseline, points };
  });
  return lines.sort((a, b) => Number(b.baseline) - Number(a.baseline) || a.name.localeCompare(b.name));
}

/** At most about `maxPoints`: every other point dropped while there are twice too many,
 *  always keeping the first and the last. */
export function thin<T>(points: readonly T[], maxPoints: number): T[] {
  let kept = [...points];
  while (kept.length > 2 * maxPoints) {
    const last = kept.length - 1;
    kept = kept.filter((_, index) => index % 2 === 0 || index === last);
  }
  return kept;
}

/**
 * The cached equity with live ticks appended (ticks it already holds are skipped, so a
 * replayed backlog does no harm); an entry the cache did not know gets a series of its own.
 */
export function mergeTicks(equity: Equity, ticks: readonly TickData[], maxPoints: number): Equity {
  if (ticks.length === 0) return equity;
  const added = new Map<string, Point[]>();
  for (const tick of ticks) {
    for (const entry of tick.entries) {
      const points = added.get(entry.entry) ?? [];
      points.push({ tick: tick.tick, ts: tick.ts, equity: entry.equity, cash: entry.cash, exposure: entry.exposure });
      added.set(entry.entry, points);
    }
  }
  const known = new Set(equity.series.map((series) => series.entry));
  const series = equity.series.map((current) => appendPoints(current, added.get(current.entry) ?? [], maxPoints));
  for (const [entry, points] of added) {
    if (!known.has(entry)) series.push(appendPoints({ entry, points: [], total_points: 0 }, points, maxPoints));
  }
  return { ...equity, series };
}

function appendPoints(series: Equity['series'][number], added: Point[], maxPoints: number): Equity['series'][number] {
  let lastTick = series.points.at(-1)?.tick ?? -1;
  const fresh: Point[] = [];
  for (const point of [...added].sort((a, b) => a.tick - b.tick)) {
    if (point.tick > lastTick) {
      fresh.push(point);
      lastTick = point.tick;
    }
  }
  if (fresh.length === 0) return series;
  return {
    ...series,
    points: thin([...series.points, ...fresh], maxPoints),
    total_points: series.total_points + fresh.length,
  };
}

/** The first tick the cache does not hold (where a live subscription resumes). */
export function nextTick(equity: Equity | undefined): number | undefined {
  if (!equity) return undefined;
  let last = -1;
  for (const series of equity.series) last = Math.max(last, series.points.at(-1)?.tick ?? -1);
  return last + 1;
}
