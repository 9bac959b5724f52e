"""Executions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from alpha_arena.core.values import quick_init
from alpha_arena.domain.orders import Side


class Liquidity(StrEnum):
    MAKER = "maker"
    TAKER = "taker"


@quick_init
@dataclass(frozen=True, slots=True)
class Fill:
    """One execution. ``realized_pnl`` is the price PnL this fill closed (0 when opening);
    ``fee`` is always paid by the account (>= 0)."""

    client_order_id: str
    symbol: str
    side: Side
    quantity: float
    price: float
    fee: float
    liquidity: Liquidity
    ts: int
    realized_pnl: float = 0.0
    tag: str = ""
