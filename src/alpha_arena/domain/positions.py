"""Positions in USDT-margined linear perpetuals, how an account holds them, and account snapshots.

A long of ``q`` at entry ``e`` with isolated margin ``m`` has unrealized PnL ``q (p - e)`` at
mark ``p``, and is liquidated when its margin falls to the maintenance requirement:
``m + q (p - e) = r q p`` (``r`` the maintenance margin rate), i.e. at
``p = (q e - m) / (q (1 - r))``; a short at ``p = (q e + m) / (q (1 + r))``. Under cross
margin that level does not apply: the account is judged as a whole (``execution.paper``).

Positions are keyed by symbol (``net`` mode: one signed position per coin) or, in hedge mode
(``long_short``), by ``position_key(symbol, long)``: a long and a short of one coin at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from alpha_arena.core.values import quick_init

#: A position whose rest is this small (relative to its size) is closed, not a residue.
DUST = 1e-12


class MarginMode(StrEnum):
    """What backs a position: its own margin, or the whole account's equity."""

    ISOLATED = "isolated"  # each position is liquidated on its own margin
    CROSS = "cross"  # all positions share the account's equity; liquidation is the account's


class PositionMode(StrEnum):
    """How many positions a coin may hold."""

    NET = "net"  # one signed position: an opposite order reduces it (and may flip it)
    LONG_SHORT = "long_short"  # hedge mode: a long and a short side by side


def position_key(symbol: str, long: bool, hedged: bool) -> str:
    """The key of a position in an account's positions: the symbol in net mode, the symbol
    and its side in hedge mode."""
    if not hedged:
        return symbol
    return f"{symbol}#{'long' if long else 'short'}"


def position_keys_in(positions: Mapping[str, Position], symbol: str) -> list[str]:
    """The keys of every position held in ``symbol``, in either mode: the one net position, or
    the long and then the short of hedge mode."""
    if symbol in positions:
        return [symbol]
    legs = (position_key(symbol, True, True), position_key(symbol, False, True))
    return [key for key in legs if key in positions]


def positions_in(positions: Mapping[str, Position], symbol: str) -> list[Position]:
    """Every position held in ``symbol`` (see ``position_keys_in``)."""
    return [positions[key] for key in position_keys_in(positions, symbol)]


def held_position(
    positions: Mapping[str, Position], symbol: str, long: bool | None = None
) -> Position | None:
    """The position in ``symbol`` an action on it meets: in net mode the one position (either
    side); in hedge mode the leg on the ``long`` side (``None``: the long, else the short)."""
    net = positions.get(symbol)
    if net is not None:
        return net
    if long is None:
        held = positions_in(positions, symbol)
        return held[0] if held else None
    return positions.get(position_key(symbol, long, True))


@quick_init
@dataclass(frozen=True, slots=True)
class ExitPlan:
    """What the position's owner intends: resting exits, and the idea that would void it.
    Exits are price levels, or distances from the entry's fill price as fractions (the
    ``*_fraction`` fields), which the venue turns into levels when the entry fills."""

    take_profit: float | None = None
    stop_loss: float | None = None
    invalidation: str = ""
    take_profit_fraction: float | None = None
    stop_loss_fraction: float | None = None
    #: A take-profit for one limit entry's own filled quantity (a grid rung's sell one level
    #: up): a reduce-only limit order placed when that entry fills; the position's plan stays.
    take_profit_limit: float | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Position:
    """An open position; ``quantity`` is signed (long > 0, short < 0)."""

    symbol: str
    quantity: float
    entry_price: float
    margin: float  # isolated margin held for this position
    leverage: float
    maintenance_margin_rate: float
    ts_opened: int
    exit_plan: ExitPlan = ExitPlan()

    @property
    def is_long(self) -> bool:
        return self.quantity > 0

    @property
    def size(self) -> float:
        return abs(self.quantity)

    def notional(self, mark: float) -> float:
        return abs(self.quantity) * mark

    def unrealized_pnl(self, mark: float) -> float:
        return self.quantity * (mark - self.entry_price)

    def grown(self, size: float, price: float, margin: float) -> Position:
        """This position with ``size`` more (same direction) bought or sold at ``price``,
        holding ``margin`` more; the entry price is the size-weighted average."""
        total = self.size + size
        entry = (self.entry_price * self.size + price * size) / total
        direction = 1.0 if self.quantity > 0 else -1.0
        return Position(  # the constructor: several times faster than dataclasses.replace
            self.symbol, direction * total, entry, self.margin + margin, self.leverage,
            self.maintenance_margin_rate, self.ts_opened, self.exit_plan,
        )  # fmt: skip

    def reduced(
        self, closing: float, price: float, isolated: bool = True
    ) -> tuple[float, float, Position | None]:
        """Close ``closing`` of this position at ``price``: the margin it releases, the price
        PnL it realizes (isolated margin: never a loss beyond that margin; cross margin: the
        whole loss, which the account's other funds cover), and what is left (None when
        nothing is)."""
        size = abs(self.quantity)
        released = self.margin * closing / size
        direction = 1.0 if self.quantity > 0 else -1.0
        realized = closing * (price - self.entry_price) * direction
        if isolated:
            realized = max(realized, -released)
        remaining = size - closing
        if remaining <= DUST * max(size, 1.0):
            return released, realized, None
        rest = Position(
            self.symbol, remaining * direction, self.entry_price, self.margin - released,
            self.leverage, self.maintenance_margin_rate, self.ts_opened, self.exit_plan,
        )  # fmt: skip
        return released, realized, rest

    def liquidation_price(self) -> float:
        """The mark at which margin + unrealized PnL equals the maintenance requirement."""
        size = abs(self.quantity)
        rate = self.maintenance_margin_rate
        if self.quantity > 0:
            return max((size * self.entry_price - self.margin) / (size * (1.0 - rate)), 0.0)
        return (size * self.entry_price + self.margin) / (size * (1.0 + rate))


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """An account at one moment: ``equity = cash + margin + unrealized_pnl``."""

    ts: int
    cash: float
    margin: float
    unrealized_pnl: float
    realized_pnl: float  # cumulative price PnL of closed quantity
    fees: float  # cumulative fees paid
    funding: float  # cumulative funding received (negative when paid)

    @property
    def equity(self) -> float:
        return self.cash + self.margin + self.unrealized_pnl
