"""What the risk checks enforce: an account's limits, and the UTC trading day that its daily loss
limit is measured against."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import DAY_MS, floor_ts


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """The risk configuration of one account; None switches a cap off.

    - ``max_leverage``: the highest leverage an entry may use (>= 1); the instrument's own
      maximum applies too. An entry asking for more is lowered to it, its size with it (it
      keeps the margin it asked for; see ``risk.checks``).
    - ``max_position_notional``: USD notional one symbol's position may reach, the position
      already open included.
    - ``max_total_exposure``: the sum of ``|notional|`` of every open position plus the new
      order, as a multiple of equity.
    - ``min_confidence``: entries with a lower confidence are denied (in [0, 1]).
    - ``allow_pyramiding``: whether an entry may add to an open position on the same symbol.
    - ``require_stop_loss``: whether entries must carry a stop-loss.
    - ``daily_loss_limit``: fraction of the day's starting equity (in (0, 1]); once equity has
      fallen that far during a UTC day, entries are denied until the next UTC day.
    """

    max_leverage: float = 10.0
    max_position_notional: float | None = None
    max_total_exposure: float | None = None
    min_confidence: float = 0.0
    allow_pyramiding: bool = False
    require_stop_loss: bool = False
    daily_loss_limit: float | None = None

    def __post_init__(self) -> None:
        problems = [
            _problem("max_leverage", self.max_leverage, 1.0, math.inf, required=True),
            _problem("max_position_notional", self.max_position_notional, 0.0, math.inf),
            _problem("max_total_exposure", self.max_total_exposure, 0.0, math.inf),
            _problem("min_confidence", self.min_confidence, 0.0, 1.0, required=True),
            _problem("daily_loss_limit", self.daily_loss_limit, 0.0, 1.0),
        ]
        for name in ("allow_pyramiding", "require_stop_loss"):
            if not isinstance(getattr(self, name), bool):
                problems.append(f"{name} must be true or false, got {getattr(self, name)!r}")
        found = [problem for problem in problems if problem]
        if found:
            raise InvalidInputError("risk limits: " + "; ".join(found))

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> RiskLimits:
        """Build limits from parsed configuration, rejecting names that are not limits."""
        known = [field.name for field in dataclasses.fields(cls)]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise InvalidInputError(
                f"unknown risk limit {', '.join(unknown)}; accepted: {', '.join(known)}"
            )
        return cls(**values)  # type: ignore[arg-type]  # __post_init__ checks every type


def _problem(name: str, value: object, low: float, high: float, *, required: bool = False) -> str:
    """Return what is wrong with a limit, or "". A required limit is a number in
    ``[low, high]``; an optional one is None (off) or a number in ``(low, high]``."""
    if value is None and not required:
        return ""
    if required:
        accepted = f"a number >= {low:g}" if high == math.inf else f"in [{low:g}, {high:g}]"
    else:
        accepted = f"None or > {low:g}" if high == math.inf else f"None or in ({low:g}, {high:g}]"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{name} must be {accepted}, got {value!r}"
    in_range = low <= value <= high if required else low < value <= high
    return "" if in_range and math.isfinite(value) else f"{name} must be {accepted}, got {value!r}"


@dataclass(frozen=True, slots=True)
class TradingDay:
    """An account's equity over one UTC day, which the daily loss limit is measured against.
    The engine observes equity every step and hands ``start_equity`` and ``low_equity`` to
    ``RiskContext``; the lowest point keeps the limit tripped after equity recovers."""

    ts_start: int  # 00:00 UTC of the day
    start_equity: float  # equity first seen that day
    low_equity: float  # lowest equity seen that day

    @classmethod
    def starting(cls, ts: int, equity: float) -> TradingDay:
        """Return the day containing ``ts``, starting from ``equity``."""
        return cls(floor_ts(ts, DAY_MS), equity, equity)

    def observe(self, ts: int, equity: float) -> TradingDay:
        """Return the day after seeing ``equity`` at ``ts``; a new UTC day starts from it."""
        if floor_ts(ts, DAY_MS) != self.ts_start:
            return TradingDay.starting(ts, equity)
        return dataclasses.replace(self, low_equity=min(self.low_equity, equity))
