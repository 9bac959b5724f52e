"""The decision context: what an agent is shown at a moment, built only from data known then.

Per coin: the latest price and, oldest to newest, short series of EMA20, MACD, RSI7 and RSI14
on the decision timeframe; a higher-timeframe view (EMA20 against EMA50, ATR3 against ATR14,
volume against its average); the newest funding rate and open interest. Per account: value,
cash, return, Sharpe so far, and the open positions with their exit plans. The standings: every
entry of the season ranked by account value at that moment, the agent's own row marked (a
prompt that shows its rivals' standing renders them; the default does not).

Every value is plain data (numbers, strings, tuples of frozen dataclasses): a context goes to
a remote agent as JSON (``dataclasses.asdict``) and is transformed with ``dataclasses.replace``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from alpha_arena.core.time import timeframe_ms
from alpha_arena.domain.market import Candles
from alpha_arena.domain.positions import Position
from alpha_arena.indicators import atr, ema, macd, rsi, volume_average
from alpha_arena.marketdata.service import DataService

#: Bars read before the shown series so that the recursive indicators have settled.
HISTORY_BARS = 200


@dataclass(frozen=True, slots=True)
class HigherTimeframe:
    timeframe: str
    ema20: float
    ema50: float
    atr3: float
    atr14: float
    volume: float
    volume_average: float


@dataclass(frozen=True, slots=True)
class CoinContext:
    symbol: str
    ts_last_close: int  # close time of the newest bar shown
    price: float
    closes: tuple[float, ...]  # oldest -> newest
    ema20: tuple[float, ...]
    macd: tuple[float, ...]
    rsi7: tuple[float, ...]
    rsi14: tuple[float, ...]
    higher: HigherTimeframe | None
    funding_rate: float | None
    open_interest: float | None
    # From the stored open interest history: the change in percent over the window named
    # (None when no reading is stored a window earlier); the window is None when the reading
    # is a snapshot, which has no history to compare with.
    open_interest_change_pct: float | None = None
    open_interest_window: str | None = None


@dataclass(frozen=True, slots=True)
class PositionContext:
    symbol: str
    side: str
    quantity: float
    entry_price: float
    mark_price: float
    unrealized_pnl: float
    leverage: float
    liquidation_price: float
    take_profit: float | None
    stop_loss: float | None
    invalidation: str


@dataclass(frozen=True, slots=True)
class AccountContext:
    initial_capital: float
    equity: float
    cash: float
    return_pct: float
    sharpe: float | None
    fee_rate: float
    positions: tuple[PositionContext, ...]


@dataclass(frozen=True, slots=True)
class Standing:
    """One entry's place in its season at a decision: rank 1 holds the most equity."""

    rank: int
    name: str
    return_pct: float  # percent since the season's start
    equity: float  # the account value
    own: bool  # the deciding agent's own row


@dataclass(frozen=True, slots=True)
class DecisionContext:
    ts: int
    timeframe: str
    coins: tuple[CoinContext, ...]
    account: AccountContext
    standings: tuple[Standing, ...] = ()


def _tail(values: np.ndarray, length: int) -> tuple[float, ...]:
    return tuple(round(float(v), 6) for v in values[-length:] if not math.isnan(v))


def _last(values: np.ndarray) -> float:
    return float(values[-1]) if len(values) else float("nan")


def coin_context(
    data: DataService,
    symbol: str,
    ts: int,
    timeframe: str,
    higher_timeframe: str | None,
    series_length: int,
) -> CoinContext | None:
    """What is known of ``symbol`` at ``ts``, or None when no bar has closed by then."""
    bars = data.closed_candles(symbol, timeframe, ts, HISTORY_BARS + series_length)
    if len(bars) == 0:
        return None
    close = bars.close
    higher = None
    if higher_timeframe is not None:
        higher_bars = data.closed_candles(symbol, higher_timeframe, ts, HISTORY_BARS)
        higher = _higher(higher_bars, higher_timeframe)
    funding = data.latest_funding(symbol, ts)
    interest = data.open_interest_at(symbol, ts)
    return CoinContext(
        symbol=symbol,
        ts_last_close=int(bars.ts[-1]) + timeframe_ms(timeframe),
        price=float(close[-1]),
        closes=_tail(close, series_length),
        ema20=_tail(ema(close, 20), series_length),
        macd=_tail(macd(close).macd, series_length),
        rsi7=_tail(rsi(close, 7), series_length),
        rsi14=_tail(rsi(close, 14), series_length),
        higher=higher,
        funding_rate=None if funding is None else funding[1],
        open_interest=None if interest is None else interest.amount,
        open_interest_change_pct=None if interest is None else interest.change_pct,
        open_interest_window=(
            None if interest is None or not interest.window_ms else _span(interest.window_ms)
        ),
    )


def _span(ms: int) -> str:
    """A window as the prompt names it: 24h, 90m, 2d."""
    hours, rest = divmod(ms, 3_600_000)
    if rest:
        return f"{ms // 60_000}m"
    return f"{hours // 24}d" if hours % 24 == 0 and hours > 24 else f"{hours}h"


def _higher(bars: Candles, timeframe: str) -> HigherTimeframe | None:
    if len(bars) < 2:
        return None
    return HigherTimeframe(
        timeframe=timeframe,
        ema20=_last(ema(bars.close, 20)),
        ema50=_last(ema(bars.close, 50)),
        atr3=_last(atr(bars.high, bars.low, bars.close, 3)),
        atr14=_last(atr(bars.high, bars.low, bars.close, 14)),
        volume=float(bars.volume[-1]),
        volume_average=_last(volume_average(bars.volume, 20)),
    )


def account_context(
    initial_capital: float,
    equity: float,
    cash: float,
    positions: Mapping[str, Position],
    marks: Mapping[str, float],
    fee_rate: float,
    sharpe: float | None = None,
    liquidations: Mapping[str, float] | None = None,
) -> AccountContext:
    """``liquidations``: the venue's liquidation price of each position (by its key), which
    under cross margin depends on the whole account; a position's own isolated level where
    none is given."""
    levels = liquidations or {}
    shown = tuple(
        PositionContext(
            symbol=position.symbol,
            side="long" if position.quantity > 0 else "short",
            quantity=position.size,
            entry_price=position.entry_price,
            mark_price=marks.get(position.symbol, position.entry_price),
            unrealized_pnl=position.unrealized_pnl(
                marks.get(position.symbol, position.entry_price)
            ),
            leverage=position.leverage,
            liquidation_price=_level(levels.get(key), position),
            take_profit=position.exit_plan.take_profit,
            stop_loss=position.exit_plan.stop_loss,
            invalidation=position.exit_plan.invalidation,
        )
        # By coin, a hedged coin's long before its short.
        for key, position in sorted(
            positions.items(), key=lambda item: (item[1].symbol, item[1].quantity < 0)
        )
    )
    return AccountContext(
        initial_capital=initial_capital,
        equity=equity,
        cash=cash,
        return_pct=(equity / initial_capital - 1.0) * 100.0,
        sharpe=sharpe,
        fee_rate=fee_rate,
        positions=shown,
    )


def _level(venue_level: float | None, position: Position) -> float:
    """The venue's level where it has one (0 where a long cannot be liquidated, as a
    position's own level says), else the position's isolated level."""
    if venue_level is None or not math.isfinite(venue_level):
        return position.liquidation_price()
    return max(venue_level, 0.0)


def rank_standings(
    equities: Sequence[tuple[str, float]], own: str, initial_capital: float
) -> tuple[Standing, ...]:
    """Rank ``(name, equity)`` pairs as the leaderboard does (the most equity first, a tie by
    name) and mark ``own``'s row; returns count from ``initial_capital``, which every entry of
    a season starts with."""
    ranked = sorted(equities, key=lambda pair: (-pair[1], pair[0]))
    return tuple(
        Standing(rank, name, (equity / initial_capital - 1.0) * 100.0, equity, name == own)
        for rank, (name, equity) in enumerate(ranked, 1)
    )


def build_context(
    data: DataService,
    symbols: Sequence[str],
    ts: int,
    account: AccountContext,
    timeframe: str = "1h",
    higher_timeframe: str | None = "4h",
    series_length: int = 10,
    standings: tuple[Standing, ...] = (),
) -> DecisionContext:
    """The decision context at ``ts`` for ``symbols``; coins with no closed bar are left out.
    ``standings``: the season's at ``ts`` (see ``rank_standings``)."""
    coins = []
    for symbol in symbols:
        coin = coin_context(data, symbol, ts, timeframe, higher_timeframe, series_length)
        if coin is not None:
            coins.append(coin)
    return DecisionContext(ts, timeframe, tuple(coins), account, standings)
