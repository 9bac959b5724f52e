"""A dry run: an exchange gateway that reads the real account (its clock, markets, balance,
positions, orders and records) but sends nothing. Every order and cancel it would send is
logged exactly (method, symbol, side, quantity, client order id, trigger) and refused, so the
season's ledger shows each as a rejection "dry run: not sent"."""

from __future__ import annotations

import logging

from alpha_arena.core.errors import OrderRejectedError
from alpha_arena.domain.orders import Side
from alpha_arena.execution.exchange.gateway import (
    ExchangeGateway,
    ExchangeOrder,
    ExchangePosition,
    ExchangeTrade,
    FundingPayment,
)

logger = logging.getLogger(__name__)


class DryRunGateway:
    def __init__(self, gateway: ExchangeGateway, account: str) -> None:
        self._gateway = gateway
        self._account = account

    def _refuse(self, what: str) -> OrderRejectedError:
        logger.warning("dry run, not sent to %s: %s", self._account, what)
        return OrderRejectedError(f"dry run: not sent ({what})", kind="rejected")

    # -- writes: logged and refused ----------------------------------------------------------

    def prepare(self, symbol: str, leverage: float) -> None:
        logger.warning("dry run, not sent to %s: isolated margin, one-way, leverage %g on %s",
                       self._account, leverage, symbol)  # fmt: skip

    def market_order(
        self, symbol: str, side: Side, quantity: float, client_id: str, reduce_only: bool
    ) -> ExchangeOrder:
        only = " reduce-only" if reduce_only else ""
        raise self._refuse(
            f"market {side.value} {quantity:g} {symbol}{only}, client order id {client_id}"
        )

    def trigger_order(
        self,
        symbol: str,
        side: Side,
        quantity: float,
        client_id: str,
        trigger_price: float,
        stop_loss: bool,
    ) -> ExchangeOrder:
        kind = "stop-loss" if stop_loss else "take-profit"
        raise self._refuse(
            f"{kind} {side.value} {quantity:g} {symbol} reduce-only at {trigger_price:g}, "
            f"client order id {client_id}"
        )

    def cancel_order(self, symbol: str, order: ExchangeOrder, trigger: bool) -> None:
        logger.warning("dry run, not sent to %s: cancel order %s on %s", self._account,
                       order.order_id, symbol)  # fmt: skip

    # -- reads: the real account -------------------------------------------------------------

    def server_time(self) -> int:
        return self._gateway.server_time()

    def find_order(self, symbol: str, client_id: str, trigger: bool) -> ExchangeOrder | None:
        return self._gateway.find_order(symbol, client_id, trigger)

    def trades(self, symbol: str, since: int) -> list[ExchangeTrade]:
        return self._gateway.trades(symbol, since)

    def funding(self, since: int) -> list[FundingPayment]:
        return self._gateway.funding(since)

    def positions(self) -> list[ExchangePosition]:
        return self._gateway.positions()

    def balance(self) -> tuple[float, float]:
        return self._gateway.balance()

    def open_orders(self) -> list[ExchangeOrder]:
        return self._gateway.open_orders()
