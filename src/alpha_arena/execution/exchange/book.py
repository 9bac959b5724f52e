"""The ledger side of an exchange account: cash, isolated positions, realized PnL, fees and
funding, moved only by executions and funding payments the exchange reported.

The arithmetic is the paper venue's (``Position.grown`` and ``Position.reduced``), with the
fee taken from the exchange's record instead of computed from a rate: the same fills
give the same ledger on either venue (the parity test runs one window through both)."""

from __future__ import annotations

from alpha_arena.domain.positions import Position

_EPSILON = 1e-12


class Book:
    def __init__(self, initial_cash: float) -> None:
        self.cash = initial_cash
        self.realized_pnl = 0.0
        self.fees = 0.0
        self.funding = 0.0
        self.positions: dict[str, Position] = {}

    def execute(
        self,
        symbol: str,
        signed: float,
        price: float,
        fee: float,
        leverage: float,
        maintenance_margin_rate: float,
        ts: int,
    ) -> float:
        """Book an execution of ``signed`` quantity (buy > 0) at ``price`` paying ``fee``;
        return the price PnL it realized."""
        position = self.positions.get(symbol)
        realized = 0.0
        if position is not None and position.quantity * signed < 0:
            closing = min(abs(signed), position.size)
            share = fee * closing / abs(signed)
            realized = self._reduce(position, closing, price, share)
            fee -= share
            signed += closing if signed < 0 else -closing
        if abs(signed) > _EPSILON:
            self._increase(symbol, signed, price, fee, leverage, maintenance_margin_rate, ts)
        return realized

    def receive_funding(self, amount: float) -> None:
        """Funding the exchange settled: received when positive, paid when negative."""
        self.cash += amount
        self.funding += amount

    def equity(self, marks: dict[str, float]) -> float:
        total = self.cash
        for symbol, position in self.positions.items():
            mark = marks.get(symbol, position.entry_price)
            total += position.margin + position.quantity * (mark - position.entry_price)
        return total

    def _reduce(self, position: Position, closing: float, price: float, fee: float) -> float:
        released, realized, rest = position.reduced(closing, price)
        self.cash = self.cash + released + realized - fee
        self.realized_pnl += realized
        self.fees += fee
        if rest is None:
            del self.positions[position.symbol]
        else:
            self.positions[position.symbol] = rest
        return realized

    def _increase(
        self,
        symbol: str,
        signed: float,
        price: float,
        fee: float,
        leverage: float,
        maintenance_margin_rate: float,
        ts: int,
    ) -> None:
        size = abs(signed)
        margin = size * price / leverage
        self.cash -= margin + fee
        self.fees += fee
        direction = 1.0 if signed > 0 else -1.0
        position = self.positions.get(symbol)
        if position is None:
            position = Position(
                symbol, direction * size, price, margin, leverage, maintenance_margin_rate, ts
            )
        else:
            position = position.grown(size, price, margin)
        self.positions[symbol] = position
