"""Round-trip trades: a position from open to close, as the metrics see it."""

from __future__ import annotations

from dataclasses import dataclass

from alpha_arena.core.values import quick_init


@quick_init
@dataclass(frozen=True, slots=True)
class Trade:
    """One closed round trip. ``pnl`` is the price PnL; ``net_pnl`` adds fees and funding."""

    symbol: str
    side: str  # long or short
    quantity: float  # the largest absolute size held
    entry_price: float  # average entry
    exit_price: float  # average exit
    ts_entry: int
    ts_exit: int
    pnl: float
    fees: float  # >= 0
    funding: float  # received (+) or paid (-)
    exit_reason: str = ""  # close, stop_loss, take_profit, liquidation, end_of_test

    @property
    def net_pnl(self) -> float:
        return self.pnl - self.fees + self.funding
