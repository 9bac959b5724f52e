// The drawdown curve under an equity curve: how far each point stands below the highest
// equity so far, as a fraction (0 at a new high, −0.25 a quarter below the peak).

export interface EquityAt {
  ts: number;
  equity: number;
}

export interface DrawdownAt {
  ts: number;
  drawdown: number;
}

export function drawdownFromEquity(points: readonly EquityAt[]): DrawdownAt[] {
  let peak = -Infinity;
  return points.map(({ ts, equity }) => {
    peak = Math.max(peak, equity);
    // a peak at or below zero has no meaningful fraction below it: the account is gone
    const drawdown = peak > 0 ? Math.min(0, equity / peak - 1) : equity < peak ? -1 : 0;
    return { ts, drawdown };
  });
}

/** The deepest drawdown of a curve (≤ 0), what the `max_drawdown` metric reports as positive. */
export function deepestDrawdown(points: readonly EquityAt[]): number {
  return drawdownFromEquity(points).reduce((low, point) => Math.min(low, point.drawdown), 0);
}
