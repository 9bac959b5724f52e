"""Grid trading: a ladder of resting buy limits in a price range, each selling one level up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray
from alpha_arena.domain.orders import Order, OrderType, Side
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams, flat
from alpha_arena.strategies.library.checks import check_number, check_period

#: More levels than this make rungs too thin to matter and the ladder slow to read.
MAX_LEVELS = 100


@dataclass(frozen=True, slots=True)
class GridParams(StrategyParams):
    lower: float = 0.0  # 0: from the lowest low of the last `lookback` bars
    upper: float = 0.0  # 0: from the highest high of the last `lookback` bars
    lookback: int = 48
    levels: int = 6
    level_fraction: float = 0.1
    max_filled: int = 3

    def __post_init__(self) -> None:
        for name in ("lower", "upper", "level_fraction"):
            check_number(name, getattr(self, name))
        check_period("lookback", self.lookback, 2)
        check_period("levels", self.levels, 2)
        check_period("max_filled", self.max_filled, 1)
        if self.levels > MAX_LEVELS:
            raise InvalidInputError(f"levels must be at most {MAX_LEVELS}, got {self.levels}")
        if self.lower < 0 or self.upper < 0:
            raise InvalidInputError("lower and upper must be prices (or 0 to use recent bars)")
        if (self.lower == 0) != (self.upper == 0):
            raise InvalidInputError(
                "give both lower and upper, or neither (the range then comes from recent bars)"
            )
        if self.upper and not self.lower < self.upper:
            raise InvalidInputError(f"lower ({self.lower}) must be less than upper ({self.upper})")
        if not 0 < self.level_fraction <= 1:
            raise InvalidInputError(f"level_fraction must be in (0, 1], got {self.level_fraction}")
        if self.max_filled * self.level_fraction > 1:
            raise InvalidInputError(
                f"max_filled x level_fraction must be at most 1 (the grid's whole cap must fit "
                f"in its equity), got {self.max_filled} x {self.level_fraction}"
            )


@dataclass(frozen=True, slots=True)
class Rung:
    """One buy the ladder wants placed: at ``buy``, taking profit one level up at ``sell``."""

    buy: float
    sell: float


class Grid(Strategy):
    """Grid trading: buy limits at each grid level below the price, each selling one level up.

    The range from `lower` to `upper` is cut into `levels` evenly spaced prices (both ends
    included); without `lower` and `upper`, it runs from the lowest low to the highest high of
    the last `lookback` bars when the grid starts, and stays there. At each bar's close every
    level below the close that has neither a resting buy nor a bought rung waiting to sell gets
    a buy limit (the nearest levels first); when a buy fills, the venue places at once a
    reduce-only sell limit for the quantity it bought one level up, and when that sells, the
    level is free for a new buy. Each rung's notional is `level_fraction` of the symbol's
    share of equity when it is placed (times the leverage); fills are maker fills at the
    level (or at a better open).

    Its own risk cap: bought rungs plus resting buys never exceed `max_filled`, so at most
    `max_filled` levels are ever filled at once (at most `max_filled` x `level_fraction` of
    equity): once the cap is reached no buy is placed until a rung sells. A long grid profits
    from a price that oscillates inside its range and is left holding its capped rungs when
    the price falls through it. Live seasons refuse it for now."""

    name = "grid"
    params_type = GridParams
    params: GridParams
    live_trading = False
    live_refusal = (
        "a grid, whose rungs' take-profit limits only the paper venue places so far, "
        "so live seasons refuse it"
    )
    trades_targets = False

    @property
    def warmup(self) -> int:
        return 0 if self.params.upper else self.params.lookback - 1

    def targets(self, data: StrategyInput) -> FloatArray:
        """Flat: a grid holds no target position, it trades through its ladder."""
        return flat(len(data.candles))

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        return f"{self.name}: no target position, it trades through its ladder of limits -> flat"

    def prices(self, data: StrategyInput, index: int) -> tuple[float, ...] | None:
        """The grid's price levels as of bar ``index`` (ascending); None while the range is
        not known yet (warm-up) or the recent bars span no range at all."""
        params = self.params
        lower, upper = params.lower, params.upper
        if not upper:
            if index < self.warmup:
                return None
            start = index + 1 - params.lookback
            lower = float(np.min(data.candles.low[start : index + 1]))
            upper = float(np.max(data.candles.high[start : index + 1]))
            if not lower < upper:
                return None
        return tuple(np.linspace(lower, upper, params.levels).tolist())

    def ladder(self, prices: Sequence[float], close: float, orders: Sequence[Order]) -> list[Rung]:
        """The buys to place now, given the grid's ``prices``, the bar's ``close`` and the
        account's open orders on the symbol: free levels below the close, nearest first, as
        many as the cap leaves room for (bought rungs are those with a sell resting one level
        up; resting buys count against the cap too)."""
        spacing = prices[1] - prices[0]

        def level(price: float | None) -> int:
            return round(((price or 0.0) - prices[0]) / spacing)

        resting = [order for order in orders if order.type is OrderType.LIMIT]
        buying = {level(o.price) for o in resting if o.side is Side.BUY and not o.reduce_only}
        bought = {level(o.price) - 1 for o in resting if o.side is Side.SELL and o.reduce_only}
        room = self.params.max_filled - len(buying) - len(bought)
        free = [
            index
            for index in range(len(prices) - 2, -1, -1)  # the top level only ever sells
            if prices[index] < close and index not in buying and index not in bought
        ]
        return [Rung(prices[index], prices[index + 1]) for index in free[: max(room, 0)]]
