"""Martingale: a cautionary example of doubling down after losses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams
from alpha_arena.strategies.library.checks import check_period
from alpha_arena.strategies.library.signals import side, warming_up

#: Six doublings already mean a first position of 1/64 of the allowed size.
MAX_DOUBLINGS = 6


@dataclass(frozen=True, slots=True)
class MartingaleParams(StrategyParams):
    hold: int = 24
    max_doublings: int = 3

    def __post_init__(self) -> None:
        check_period("hold", self.hold, 1)
        check_period("max_doublings", self.max_doublings, 1)
        if self.max_doublings > MAX_DOUBLINGS:
            raise InvalidInputError(
                f"max_doublings must be at most {MAX_DOUBLINGS}, got {self.max_doublings}"
            )


@dataclass(frozen=True, slots=True)
class _Path:
    """The walk over the bars: targets, and per bar the losing streak behind its size and
    whether it closed a round trip."""

    targets: FloatArray
    streak: tuple[int, ...]
    exits: tuple[bool, ...]


class Martingale(Strategy):
    """Cautionary example: double the position after every losing round trip (refused live).

    Round trips of `hold` bars: a position is entered on a bar in the direction of that bar's
    move (long if its close is at or above the previous close, short if below), held for `hold`
    bars, then closed (flat for one bar); the round trip loses when the close at exit is worse
    than the close at entry. The size starts at 1 / 2^max_doublings of a full position,
    doubles after each losing round trip up to a full position (where it stays while losses
    continue), and resets after a round trip that does not lose.

    Why it is dangerous: doubling does not change the odds of any round trip, only how much is
    at stake. A losing streak (which trending markets produce often) drives the size to its
    cap, so the largest bets are made exactly when the rule has been wrong the longest; each
    win recovers only the last small loss plus one base unit, while one streak at the cap can
    erase many wins. It looks smooth in a backtest until the streak that ruins it. Live
    seasons refuse it."""

    name = "martingale"
    params_type = MartingaleParams
    params: MartingaleParams
    live_trading = False

    @property
    def warmup(self) -> int:
        return 1  # the first entry compares a close with the one before

    def targets(self, data: StrategyInput) -> FloatArray:
        return self._cached(data, self._walk).targets

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        if index < self.warmup:
            return warming_up(self.name, index, self.warmup)
        path = self._cached(data, self._walk)
        if path.exits[index]:
            rule = "round trip closed after its hold"
        else:
            losses = path.streak[index]
            rule = f"size {abs(targets[index]):g} after {losses} losing round trip(s) in a row"
        return f"{self.name}: {rule} -> {side(targets[index])}"

    def _walk(self, data: StrategyInput) -> _Path:
        """Walk the bars once, each step reading only closes up to the current bar."""
        closes = data.candles.close.tolist()
        length = len(closes)
        targets = np.zeros(length, dtype=np.float64)
        streak, exits = [0] * length, [False] * length
        base = 1.0 / 2**self.params.max_doublings
        size, losses = base, 0
        entry_index, direction = -1, 0.0  # no position open
        for index in range(self.warmup, length):
            streak[index] = losses
            if direction == 0.0:
                direction = 1.0 if closes[index] >= closes[index - 1] else -1.0
                entry_index = index
            elif index - entry_index == self.params.hold:
                exits[index] = True
                if direction * (closes[index] - closes[entry_index]) < 0:
                    size, losses = min(size * 2, 1.0), losses + 1
                else:
                    size, losses = base, 0
                direction = 0.0
                continue
            targets[index] = direction * size
        return _Path(targets, tuple(streak), tuple(exits))
