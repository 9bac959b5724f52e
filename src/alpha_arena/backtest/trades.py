"""Round-trip trades reconstructed from an account's fills and funding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from alpha_arena.domain.fills import Fill
from alpha_arena.domain.orders import Side
from alpha_arena.domain.trades import Trade

_EPSILON = 1e-12


@dataclass
class _Open:
    direction: float
    ts_entry: int
    size: float = 0.0
    peak: float = 0.0
    entry_cost: float = 0.0  # sum of entry quantity x price
    entry_quantity: float = 0.0
    exit_value: float = 0.0
    exit_quantity: float = 0.0
    pnl: float = 0.0
    fees: float = 0.0
    funding: float = 0.0
    reasons: list[str] = field(default_factory=list)


def round_trips(
    fills: Sequence[Fill],
    funding: Sequence[tuple[int, str, float]],
    final_marks: Mapping[str, float],
    ts_end: int,
) -> list[Trade]:
    """Group fills into trades that open from flat and end flat again. Funding settled while a
    trade was open belongs to it. A position still open at ``ts_end`` becomes a trade marked
    at ``final_marks`` (exit reason ``open_at_end``, no exit fee)."""
    # A settlement stamped T was paid at the close of the bar ending at T; a fill stamped T
    # came after it (at the open of the bar starting at T), so at equal stamps funding goes first.
    events: list[tuple[int, int, Fill | tuple[str, float]]] = [
        (fill.ts, 1, fill) for fill in fills
    ] + [(ts, 0, (symbol, amount)) for ts, symbol, amount in funding]
    events.sort(key=itemgetter(0, 1))
    open_trades: dict[str, _Open] = {}
    trades: list[Trade] = []
    for _ts, _kind, event in events:
        if isinstance(event, tuple):
            symbol, amount = event
            if symbol in open_trades:
                open_trades[symbol].funding += amount
            continue
        _apply(event, open_trades, trades)
    for symbol, trade in open_trades.items():
        mark = final_marks[symbol]
        remaining = trade.size
        trade.exit_value += remaining * mark
        trade.exit_quantity += remaining
        trade.pnl += remaining * (mark - _average(trade)) * trade.direction
        trade.reasons.append("open_at_end")
        trades.append(_closed(symbol, trade, ts_end))
    return sorted(trades, key=lambda t: (t.ts_exit, t.symbol))


def _average(trade: _Open) -> float:
    return trade.entry_cost / trade.entry_quantity if trade.entry_quantity else 0.0


def _apply(fill: Fill, open_trades: dict[str, _Open], trades: list[Trade]) -> None:
    signed = fill.quantity * (1.0 if fill.side is Side.BUY else -1.0)
    trade = open_trades.get(fill.symbol)
    if trade is None:
        trade = open_trades[fill.symbol] = _Open(1.0 if signed > 0 else -1.0, fill.ts)
    if signed * trade.direction > 0:  # opening or adding
        trade.size += abs(signed)
        trade.peak = max(trade.peak, trade.size)
        trade.entry_cost += fill.quantity * fill.price
        trade.entry_quantity += fill.quantity
        trade.fees += fill.fee
        return
    closing = min(fill.quantity, trade.size)
    trade.size -= closing
    trade.exit_value += closing * fill.price
    trade.exit_quantity += closing
    trade.pnl += fill.realized_pnl
    trade.fees += fill.fee
    trade.reasons.append(fill.tag or "close")
    if trade.size <= _EPSILON:
        trades.append(_closed(fill.symbol, trade, fill.ts))
        del open_trades[fill.symbol]
        rest = fill.quantity - closing
        if rest > _EPSILON:  # the fill flipped the position: the remainder opens a new trade
            flipped = Fill(fill.client_order_id, fill.symbol, fill.side, rest, fill.price, 0.0,
                           fill.liquidity, fill.ts, 0.0, fill.tag)  # fmt: skip
            _apply(flipped, open_trades, trades)


def _closed(symbol: str, trade: _Open, ts_exit: int) -> Trade:
    return Trade(
        symbol=symbol,
        side="long" if trade.direction > 0 else "short",
        quantity=trade.peak,
        entry_price=_average(trade),
        exit_price=trade.exit_value / trade.exit_quantity if trade.exit_quantity else 0.0,
        ts_entry=trade.ts_entry,
        ts_exit=ts_exit,
        pnl=trade.pnl,
        fees=trade.fees,
        funding=trade.funding,
        exit_reason=trade.reasons[-1] if trade.reasons else "",
    )
