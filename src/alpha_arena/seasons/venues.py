"""Where a season's entries trade: the one place that chooses the venue. Replay and paper
seasons get paper accounts; a live season gets each entry's own exchange account, and only
when trading is enabled (ARENA_TRADING_ENABLED=true). The engine never knows which."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from alpha_arena.core.clock import Clock
from alpha_arena.core.errors import TradingDisabledError
from alpha_arena.core.redact import remember_secret
from alpha_arena.core.settings import Settings
from alpha_arena.domain.instrument import Instrument
from alpha_arena.domain.seasons import SeasonMode
from alpha_arena.execution.exchange.gateway import ExchangeGateway
from alpha_arena.execution.exchange.ids import ClientIds
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.execution.venue import Venue
from alpha_arena.seasons.config import SeasonConfig
from alpha_arena.storage.exchange_accounts import ExchangeAccountStore
from alpha_arena.storage.season_store import EntryRecord

if TYPE_CHECKING:
    import ccxt

    from alpha_arena.core.errors import ArenaError
    from alpha_arena.domain.accounts import ExchangeAccount


@dataclass
class SeasonVenues:
    """One venue per entry, in the entries' order; ``close`` releases exchange connections."""

    venues: list[Venue]
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for closer in self.closers:
            closer()


def require_trading_enabled(settings: Settings, season_id: int) -> None:
    if not settings.trading_enabled:
        raise TradingDisabledError(
            f"season {season_id} is live and trading is disabled: no order is sent to an "
            "exchange unless ARENA_TRADING_ENABLED=true"
        )


def season_venues(
    settings: Settings,
    accounts: ExchangeAccountStore,
    clock: Clock,
    season_id: int,
    config: SeasonConfig,
    entries: Sequence[EntryRecord],
    instruments: dict[str, Instrument],
) -> SeasonVenues:
    if config.mode is not SeasonMode.LIVE:
        paper = PaperVenueConfig(config.capital, config.slippage_bps, config.fee_rate)
        return SeasonVenues([PaperVenue(paper, instruments, NextBarOpen()) for _ in entries])
    require_trading_enabled(settings, season_id)
    from alpha_arena.execution.exchange.venue import ExchangeVenue

    built = SeasonVenues([])
    for entry in entries:
        gateway, prefix, close = exchange_gateway(
            settings, accounts, config.accounts[entry.name], season_id, entry.id
        )
        built.closers.append(close)
        built.venues.append(
            ExchangeVenue(
                gateway,
                instruments,
                config.capital,
                ClientIds(prefix),
                config.step_ms,
                config.start,
                clock.now_ms,
            )
        )
    return built


def exchange_gateway(
    settings: Settings,
    accounts: ExchangeAccountStore,
    account_name: str,
    season_id: int,
    entry_id: int,
) -> tuple[ExchangeGateway, str, Callable[[], None]]:
    """The gateway to the exchange account an entry trades on, the prefix of the entry's client
    order ids there, and what closes the connection. The account's keys are decrypted here and
    nowhere else, and redacted from every text from now on."""
    from alpha_arena.execution.exchange.ccxt_gateway import CcxtGateway
    from alpha_arena.execution.exchange.client import close, connect

    account = accounts.get(account_name)
    credentials = accounts.credentials(account.name, settings.secret_key)
    secrets = credentials.secrets()
    for secret in secrets:
        remember_secret(secret)
    client = connect(
        account, credentials, settings.exchange_base_url, settings.exchange_timeout_s,
        settings.exchange_rate_limit_ms,
    )  # fmt: skip
    gateway = CcxtGateway(client, partial(_translate, account=account, secrets=secrets))
    return gateway, ClientIds.for_entry(season_id, entry_id).prefix, partial(close, client)


def _translate(
    error: ccxt.BaseError, account: ExchangeAccount, secrets: tuple[str, ...]
) -> ArenaError:
    from alpha_arena.execution.exchange.errors import translate

    return translate(error, account, secrets)


@contextmanager
def live_clock(
    settings: Settings,
    accounts: ExchangeAccountStore,
    season_id: int,
    config: SeasonConfig,
    entries: Sequence[EntryRecord],
    local: Clock,
) -> Iterator[Clock]:
    """The clock a live season follows: the exchange's (asked through the first entry's
    account), corrected from ``local`` every ``exchange_clock_sync_s``."""
    from alpha_arena.execution.exchange.clock import ExchangeClock

    first = entries[0]
    gateway, _, close = exchange_gateway(
        settings, accounts, config.accounts[first.name], season_id, first.id
    )
    try:
        yield ExchangeClock(gateway.server_time, local, settings.exchange_clock_sync_s)
    finally:
        close()
