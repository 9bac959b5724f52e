"""Live season use cases beyond the lifecycle: stop everything at once (``flatten``), and what
the exchange accounts reported (snapshots and reconciliation events)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.orders import Side
from alpha_arena.domain.seasons import SeasonEvent, SeasonMode, SeasonStatus
from alpha_arena.execution.exchange.gateway import ExchangeGateway
from alpha_arena.execution.exchange.ids import ClientIds
from alpha_arena.seasons.config import SeasonConfig, parse_season_config
from alpha_arena.seasons.venues import exchange_gateway, require_trading_enabled
from alpha_arena.services.context import AppContext
from alpha_arena.storage.exchange_accounts import ExchangeAccountStore
from alpha_arena.storage.reconciliation_store import (
    BalanceSnapshot,
    ReconciliationEvent,
    ReconciliationStore,
)
from alpha_arena.storage.season_leases import SeasonLeases
from alpha_arena.storage.season_store import SeasonStore

logger = logging.getLogger(__name__)

#: How long flatten waits for the season's runner to notice the end and let go of its lease.
RUNNER_EXIT_WAIT_S = 30.0


#: The market data an account's exchange is stored under (Binance USD-M is Binance's).
_MARKET_OF = {"binanceusdm": "binance"}


def check_live_accounts(context: AppContext, config: SeasonConfig) -> None:
    """Every account a live season binds exists and is on the exchange whose market the season
    follows."""
    store = ExchangeAccountStore(context.engine)
    for agent, name in config.accounts.items():
        account = store.get(name)
        market = _MARKET_OF.get(account.exchange, account.exchange)
        if market != config.exchange:
            raise InvalidInputError(
                f"season accounts: {agent}'s account {name!r} is on {account.exchange}, the "
                f"season follows {config.exchange}'s market; use --exchange {market}"
            )


@dataclass(frozen=True, slots=True)
class FlattenedEntry:
    entry: str
    account: str
    canceled: int  # orders canceled
    closed: tuple[str, ...]  # symbols whose position was closed
    left_alone: tuple[str, ...]  # positions in symbols the season does not trade
    remaining_positions: int  # what the exchange still reports afterwards, in the season's
    remaining_orders: int  # symbols / with this entry's client ids


def flatten_season(context: AppContext, season_id: int) -> list[FlattenedEntry]:
    """End live season ``season_id`` and, on every entry's exchange account, cancel every order
    the entry placed and close every position in the season's symbols (reduce-only market
    orders). Positions in other symbols were not opened by the season and are left alone.

    The closing trades happen after the season's last tick: the ledger ends at that tick, and
    each action is recorded as a reconciliation event."""
    store = SeasonStore(context.engine)
    season = store.get(season_id)
    config = parse_season_config(season.config)
    if config.mode is not SeasonMode.LIVE:
        raise InvalidInputError(
            f"season {season_id} is {config.mode.value}: only a live season has exchange "
            "positions to flatten"
        )
    require_trading_enabled(context.settings, season_id)
    if season.status not in (SeasonStatus.FINISHED, SeasonStatus.CANCELED):
        store.transition(season_id, SeasonEvent.END, context.clock.now_ms(), "ended: flattened")
    _wait_for_runner(context, season_id)
    accounts = ExchangeAccountStore(context.engine)
    events = ReconciliationStore(context.engine)
    flattened = []
    for entry in store.entries(season_id):
        account_name = config.accounts.get(entry.name)
        if account_name is None:
            continue
        gateway, prefix, close = exchange_gateway(
            context.settings, accounts, account_name, season_id, entry.id
        )
        try:
            flattened.append(
                _flatten_account(gateway, prefix, entry.name, account_name, config.symbols)
            )
        finally:
            close()
        result = flattened[-1]
        events.record_events(
            entry.id, context.clock.now_ms(), "flattened",
            [(symbol, "position closed by flatten") for symbol in result.closed]
            + [(symbol, "left alone: not a season symbol") for symbol in result.left_alone],
        )  # fmt: skip
    return flattened


def _flatten_account(
    gateway: ExchangeGateway, prefix: str, entry: str, account: str, symbols: tuple[str, ...]
) -> FlattenedEntry:
    ours = [o for o in gateway.open_orders() if o.client_id.startswith(prefix)]
    for order in ours:
        gateway.cancel_order(order.symbol, order, order.trigger)
    closed: list[str] = []
    left_alone: list[str] = []
    for position in gateway.positions():
        if position.symbol not in symbols:
            left_alone.append(position.symbol)
            continue
        side = Side.SELL if position.quantity > 0 else Side.BUY
        # Under the entry's prefix, in the exchange's format (Hyperliquid: 0x + 32 hex digits).
        client_id = ClientIds(prefix).exchange_id(f"flatten-{int(time.time())}-{len(closed)}")
        gateway.market_order(position.symbol, side, abs(position.quantity), client_id, True)
        closed.append(position.symbol)
    remaining_positions = [p for p in gateway.positions() if p.symbol in symbols]
    remaining_orders = [o for o in gateway.open_orders() if o.client_id.startswith(prefix)]
    logger.warning(
        "flattened %s on %s: %d orders canceled, closed %s", entry, account, len(ours),
        ", ".join(closed) or "nothing",
    )  # fmt: skip
    return FlattenedEntry(
        entry, account, len(ours), tuple(closed), tuple(left_alone), len(remaining_positions),
        len(remaining_orders),
    )  # fmt: skip


def _wait_for_runner(context: AppContext, season_id: int) -> None:
    """Wait until no runner holds the season (it stops within its poll once the season ended),
    so that nothing is sent after the orders are canceled."""
    leases = SeasonLeases(context.engine)
    deadline = time.monotonic() + min(RUNNER_EXIT_WAIT_S, context.settings.season_lease_s * 2)
    while time.monotonic() < deadline:
        holder = leases.holder(season_id)
        if holder is None or holder.expires <= context.clock.now_ms():
            return
        time.sleep(0.1)
    logger.warning("season %d: its runner still holds the lease; flattening anyway", season_id)


@dataclass(frozen=True, slots=True)
class Reconciliation:
    events: list[ReconciliationEvent]
    balances: list[BalanceSnapshot]
    snapshots: int


def season_reconciliation(context: AppContext, season_id: int) -> Reconciliation:
    """A live season's reconciliation events, each entry's newest exchange balance and how
    many snapshots were taken."""
    SeasonStore(context.engine).get(season_id)  # NotFoundError for an unknown season
    store = ReconciliationStore(context.engine)
    return Reconciliation(
        store.events(season_id), store.latest_balances(season_id), store.snapshot_count(season_id)
    )
