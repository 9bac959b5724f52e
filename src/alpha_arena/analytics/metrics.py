"""Performance metrics of an equity curve and of its round-trip trades.

Conventions every number in ``Metrics`` follows:

- The curve holds one equity value per bar, oldest first, stamped by ``equity_ts`` (UTC epoch
  ms, strictly increasing). The per-bar return of point ``i >= 1`` is
  ``equity[i] / equity[i - 1] - 1``; a curve of ``n`` points has ``n - 1`` returns.
- Annualization uses crypto's 365-day, 24-hour year: ``periods_per_year = 365 days / timeframe``
  (1h -> 8760, 4h -> 2190, 1d -> 365).
- Equity below zero counts as zero (the account is bust); a return out of zero equity is 0.
- Nothing is ever NaN or infinite. A ratio whose denominator is zero, a statistic of an empty
  set of trades, and a figure that overflows a float (the CAGR of a steep curve over a few
  bars, and the Calmar ratio built on it) is None. A sum, count, extreme or spread of nothing
  is 0: a curve with fewer than two points has total return, volatility and maximum drawdown
  0.0. A per-bar spread below 1e-12 is rounding noise and counts as 0 (a constant-growth
  curve has volatility 0.0 and no Sharpe ratio).
- Trade statistics use ``Trade.net_pnl`` (price PnL minus fees plus funding received). A trade
  wins when its net PnL is > 0 and loses when it is < 0; a break-even trade is neither, but it
  counts in the number of trades, the win rate's denominator and the expectancy.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import DAY_MS, timeframe_ms
from alpha_arena.domain.market import FloatArray, IntArray
from alpha_arena.domain.trades import Trade

YEAR_MS = 365 * DAY_MS
BoolArray = npt.NDArray[np.bool_]

# A per-bar spread below this is rounding noise of a flat or constant-growth curve: treating it
# as a real spread would turn Sharpe and Sortino into 1e15-sized numbers.
_NO_SPREAD = 1e-12


@dataclass(frozen=True, slots=True)
class Metrics:
    """Performance of one equity curve; the module docstring gives the shared conventions.

    - ``bars``: points in the curve. ``ts_start``/``ts_end``, ``start_equity``/``end_equity``:
      the first and last point as given (None for an empty curve).
    - ``periods_per_year``: bars of the curve's timeframe in a 365-day year.
    - ``total_return``: last / first equity - 1 (at least -1).
    - ``cagr``: ``(1 + total_return) ** (1 / years) - 1`` with
      ``years = (ts_end - ts_start) / 365 days``; None when no time elapsed or on overflow.
    - ``volatility``: sample standard deviation (ddof=1) of per-bar returns times
      ``sqrt(periods_per_year)``; 0.0 with fewer than two returns.
    - ``sharpe``: mean / sample standard deviation of per-bar returns times
      ``sqrt(periods_per_year)``, risk-free rate 0; None when the spread is zero.
    - ``sortino``: mean per-bar return / downside deviation times ``sqrt(periods_per_year)``,
      where downside deviation is ``sqrt(mean(min(r, 0) ** 2))`` over all returns (target 0);
      None when no bar lost.
    - ``max_drawdown``: the largest ``1 - equity / running peak``, a fraction in [0, 1].
    - ``max_drawdown_bars``/``max_drawdown_ms``: the span of that drawdown, from the last time
      equity stood at its peak to the first point back at or above the peak, or to the last
      point when it never recovered; 0 without a drawdown.
    - ``calmar``: ``cagr / max_drawdown``; None when ``cagr`` is None or there is no drawdown.
    - ``trade_count``; ``win_rate``: winning trades / trades; ``average_win`` (> 0) and
      ``average_loss`` (< 0): mean net PnL of winning and of losing trades; ``expectancy``:
      mean net PnL per trade; ``profit_factor``: gross profit / gross loss (sum of wins over
      minus the sum of losses), None without a losing trade; ``best_trade``/``worst_trade``:
      the largest and smallest net PnL. Each is None when its set of trades is empty.
    - ``exposure``: fraction of the curve's points spent with a position open, in [0, 1].
    - ``fees_paid`` (>= 0) and ``funding_paid`` (> 0 paid, < 0 received): as given.
    - ``buy_and_hold_return``: last / first benchmark close - 1; None without a benchmark, for
      an empty one, or one that does not start at a positive price.
    """

    bars: int
    ts_start: int | None
    ts_end: int | None
    start_equity: float | None
    end_equity: float | None
    periods_per_year: float
    total_return: float
    cagr: float | None
    volatility: float
    sharpe: float | None
    sortino: float | None
    max_drawdown: float
    max_drawdown_bars: int
    max_drawdown_ms: int
    calmar: float | None
    trade_count: int
    win_rate: float | None
    average_win: float | None
    average_loss: float | None
    expectancy: float | None
    profit_factor: float | None
    best_trade: float | None
    worst_trade: float | None
    exposure: float
    fees_paid: float
    funding_paid: float
    buy_and_hold_return: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        """Return every field by name; the values are JSON-safe (no NaN, no infinity)."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


def periods_per_year(timeframe: str) -> float:
    """Return how many bars of ``timeframe`` fit in a 365-day year (``1h`` -> 8760)."""
    return YEAR_MS / timeframe_ms(timeframe)


def compute_metrics(
    equity_ts: IntArray,
    equity: FloatArray,
    trades: Sequence[Trade] = (),
    *,
    timeframe: str,
    fees_paid: float = 0.0,
    funding_paid: float = 0.0,
    benchmark_close: FloatArray | None = None,
    exposure_bars: int | BoolArray | None = None,
) -> Metrics:
    """Measure an equity curve and its trades.

    ``exposure_bars`` is the number of bars spent in the market, or a boolean array (one per
    point) that is True where a position was open; when None, a bar is in the market when its
    timestamp falls within ``[ts_entry, ts_exit)`` of some trade. Raise InvalidInputError for
    mismatched lengths, timestamps that do not increase, non-finite equity or a first equity
    value that is not positive."""
    periods = periods_per_year(timeframe)
    ts, values = _validated_curve(equity_ts, equity)
    count = int(values.shape[0])
    returns = _returns(values)
    mean = float(returns.mean()) if returns.size else 0.0
    spread = float(returns.std(ddof=1)) if returns.size >= 2 else 0.0
    if spread <= _NO_SPREAD:
        spread = 0.0
    downside = float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2))) if returns.size else 0.0
    root = math.sqrt(periods)
    total = float(values[-1] / values[0] - 1.0) if count else 0.0
    cagr = _cagr(total, int(ts[-1] - ts[0])) if count else None
    drawdown, drawdown_bars, drawdown_ms = _max_drawdown(ts, values)
    stats = _trade_stats(trades)
    return Metrics(
        bars=count,
        ts_start=int(ts[0]) if count else None,
        ts_end=int(ts[-1]) if count else None,
        start_equity=float(equity[0]) if count else None,
        end_equity=float(equity[-1]) if count else None,
        periods_per_year=periods,
        total_return=total,
        cagr=cagr,
        volatility=spread * root,
        sharpe=_finite(mean / spread * root) if spread > 0.0 else None,
        sortino=_finite(mean / downside * root) if downside > _NO_SPREAD else None,
        max_drawdown=drawdown,
        max_drawdown_bars=drawdown_bars,
        max_drawdown_ms=drawdown_ms,
        calmar=_finite(cagr / drawdown) if cagr is not None and drawdown > 0.0 else None,
        trade_count=stats.count,
        win_rate=stats.win_rate,
        average_win=stats.average_win,
        average_loss=stats.average_loss,
        expectancy=stats.expectancy,
        profit_factor=stats.profit_factor,
        best_trade=stats.best,
        worst_trade=stats.worst,
        exposure=_exposure(ts, trades, exposure_bars),
        fees_paid=float(fees_paid),
        funding_paid=float(funding_paid),
        buy_and_hold_return=_buy_and_hold(benchmark_close),
    )


def _validated_curve(equity_ts: IntArray, equity: FloatArray) -> tuple[IntArray, FloatArray]:
    """Return the timestamps and the equity floored at zero, or raise for an unusable curve."""
    ts = np.asarray(equity_ts, dtype=np.int64)
    values = np.asarray(equity, dtype=np.float64)
    if ts.ndim != 1 or values.shape != ts.shape:
        raise InvalidInputError(
            f"equity curve needs one timestamp per value; got {ts.shape} and {values.shape}"
        )
    if ts.size and bool(np.any(np.diff(ts) <= 0)):
        raise InvalidInputError("equity curve timestamps must strictly increase")
    if not bool(np.all(np.isfinite(values))):
        raise InvalidInputError("equity curve contains NaN or infinite values")
    if values.size and values[0] <= 0.0:
        raise InvalidInputError(f"equity curve must start above zero; got {values[0]}")
    return ts, np.maximum(values, 0.0)


def _returns(values: FloatArray) -> FloatArray:
    """Return per-bar returns; a return out of zero (bust) equity is 0."""
    previous = values[:-1]
    safe = np.where(previous > 0.0, previous, 1.0)
    return np.where(previous > 0.0, values[1:] / safe - 1.0, 0.0)


def _cagr(total_return: float, elapsed_ms: int) -> float | None:
    if elapsed_ms <= 0:
        return None
    growth = 1.0 + total_return
    if growth <= 0.0:
        return -1.0
    try:
        return _finite(math.exp(math.log(growth) * YEAR_MS / elapsed_ms) - 1.0)
    except OverflowError:
        return None


def _finite(value: float) -> float | None:
    """Return ``value``, or None when it overflowed to infinity (or is NaN)."""
    return value if math.isfinite(value) else None


def _max_drawdown(ts: IntArray, values: FloatArray) -> tuple[float, int, int]:
    """Return the maximum drawdown and its span (peak to recovery or end) in bars and ms."""
    if values.size < 2:
        return 0.0, 0, 0
    peaks = np.maximum.accumulate(values)
    drawdowns = 1.0 - values / peaks  # peaks > 0: the curve starts above zero
    trough = int(np.argmax(drawdowns))
    deepest = float(drawdowns[trough])
    if deepest <= 0.0:
        return 0.0, 0, 0
    peak_value = peaks[trough]
    peak = int(np.flatnonzero(values[: trough + 1] == peak_value)[-1])
    recovered = np.flatnonzero(values[trough:] >= peak_value)
    end = trough + int(recovered[0]) if recovered.size else values.size - 1
    return min(deepest, 1.0), end - peak, int(ts[end] - ts[peak])


@dataclass(frozen=True, slots=True)
class _TradeStats:
    count: int
    win_rate: float | None
    average_win: float | None
    average_loss: float | None
    expectancy: float | None
    profit_factor: float | None
    best: float | None
    worst: float | None


def _trade_stats(trades: Sequence[Trade]) -> _TradeStats:
    pnls = [trade.net_pnl for trade in trades]
    wins = [pnl for pnl in pnls if pnl > 0.0]
    losses = [pnl for pnl in pnls if pnl < 0.0]
    gross_loss = -sum(losses)
    return _TradeStats(
        count=len(pnls),
        win_rate=len(wins) / len(pnls) if pnls else None,
        average_win=sum(wins) / len(wins) if wins else None,
        average_loss=sum(losses) / len(losses) if losses else None,
        expectancy=sum(pnls) / len(pnls) if pnls else None,
        profit_factor=sum(wins) / gross_loss if gross_loss > 0.0 else None,
        best=max(pnls) if pnls else None,
        worst=min(pnls) if pnls else None,
    )


def _exposure(
    ts: IntArray, trades: Sequence[Trade], exposure_bars: int | BoolArray | None
) -> float:
    count = int(ts.shape[0])
    if count == 0:
        return 0.0
    if exposure_bars is None:
        in_market = np.zeros(count, dtype=np.bool_)
        for trade in trades:
            in_market |= (ts >= trade.ts_entry) & (ts < trade.ts_exit)
        return float(in_market.mean())
    if isinstance(exposure_bars, int | np.integer):
        if not 0 <= exposure_bars <= count:
            raise InvalidInputError(
                f"exposure of {exposure_bars} bars is outside a curve of {count} bars"
            )
        return int(exposure_bars) / count
    flags = np.asarray(exposure_bars, dtype=np.bool_)
    if flags.shape != ts.shape:
        raise InvalidInputError(
            f"in-market flags need one value per equity point; got {flags.shape}, {ts.shape}"
        )
    return float(flags.mean())


def _buy_and_hold(benchmark_close: FloatArray | None) -> float | None:
    if benchmark_close is None:
        return None
    closes = np.asarray(benchmark_close, dtype=np.float64)
    if closes.size == 0 or not closes[0] > 0.0 or not math.isfinite(float(closes[-1])):
        return None
    return float(closes[-1] / closes[0] - 1.0)
