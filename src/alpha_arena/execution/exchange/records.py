"""What an exchange account has told this process, kept across the venues built on it: a live
season rebuilds its venue at every new bar and re-executes its stored ticks, which then ask
these records instead of the exchange. Executions and funding payments never change once
reported; an order found placed stays placed."""

from __future__ import annotations

from collections.abc import Callable

from alpha_arena.execution.exchange.gateway import (
    ExchangeGateway,
    ExchangeOrder,
    ExchangeTrade,
    FundingPayment,
)


class ExchangeRecords:
    """``since``: nothing before it concerns us (the season's start); ``now``: the market's
    clock (epoch ms), to know how far what was read reaches."""

    def __init__(self, gateway: ExchangeGateway, since: int, now: Callable[[], int]) -> None:
        self.gateway = gateway
        self._since = since
        self._now = now
        self._tape: dict[str, list[ExchangeTrade]] = {}
        self._tape_read_at: dict[str, int] = {}
        self._funding: list[FundingPayment] = []
        self._funding_read_at = since
        self._placed: dict[str, ExchangeOrder] = {}  # by client id

    def symbols(self) -> list[str]:
        """The symbols whose executions were read."""
        return list(self._tape)

    def trades(self, symbol: str, until: int | None = None) -> list[ExchangeTrade]:
        """The executions in ``symbol``, oldest first, read from the exchange when what was
        read so far may not reach ``until`` (None: now)."""
        tape = self._tape.setdefault(symbol, [])
        read_at = self._tape_read_at.get(symbol)
        if read_at is None or until is None or read_at < until:
            now = self._now()
            known = {trade.trade_id for trade in tape}
            since = tape[-1].ts if tape else self._since
            tape += [t for t in self.gateway.trades(symbol, since) if t.trade_id not in known]
            tape.sort(key=lambda trade: trade.ts)
            self._tape_read_at[symbol] = now
        return tape

    def funding(self, until: int) -> list[FundingPayment]:
        """Funding paid or received, oldest first, read again when it may not reach
        ``until``."""
        if self._funding_read_at < until:
            now = self._now()
            known = {payment.payment_id for payment in self._funding}
            since = self._funding[-1].ts if self._funding else self._since
            self._funding += [p for p in self.gateway.funding(since) if p.payment_id not in known]
            self._funding_read_at = now
        return self._funding

    def placed(self, symbol: str, client_id: str, trigger: bool) -> ExchangeOrder | None:
        """The order placed with ``client_id``, from what is known or else the exchange."""
        found = self._placed.get(client_id)
        if found is None:
            found = self.gateway.find_order(symbol, client_id, trigger)
            if found is not None:
                self._placed[client_id] = found
        return found

    def remember(self, order: ExchangeOrder) -> None:
        """An order just placed."""
        self._placed[order.client_id] = order
