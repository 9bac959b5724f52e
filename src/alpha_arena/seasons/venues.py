"""Where a season's entries trade: the one place that chooses the venue. Replay and paper
seasons get paper accounts; a live season gets each entry's own exchange account, and only
when trading is enabled (ARENA_TRADING_ENABLED=true). The engine never knows which."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from alpha_arena.core.clock import Clock
from alpha_arena.core.errors import TradingDisabledError
from alpha_arena.core.redact import remember_secret
from alpha_arena.core.settings import Settings
from alpha_arena.domain.instrument import Instrument
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


def require_trading_enabled(settings: Settings, season_id: int) -> None:
    if not (settings.trading_enabled or settings.trading_dry_run):
        raise TradingDisabledError(
            f"season {season_id} is live and trading is disabled: no order is sent to an "
            "exchange unless ARENA_TRADING_ENABLED=true (ARENA_TRADING_DRY_RUN=true runs it "
            "sending nothing: each order is logged and refused)"
        )


class LiveAccounts:
    """A live season's exchange accounts, opened once by its runner and kept across its
    advances (each rebuilds the venues and re-executes the stored ticks, from these records
    rather than the exchange), with the clock the season follows: the exchange's. Close it."""

    def __init__(
        self,
        settings: Settings,
        accounts: ExchangeAccountStore,
        season_id: int,
        config: SeasonConfig,
        entries: Sequence[EntryRecord],
        local: Clock,
    ) -> None:
        from alpha_arena.execution.exchange.clock import ExchangeClock
        from alpha_arena.execution.exchange.records import ExchangeRecords

        require_trading_enabled(settings, season_id)
        self._closers: list[Callable[[], None]] = []
        self.records: dict[int, tuple[ExchangeRecords, ClientIds]] = {}
        try:
            for entry in entries:
                gateway, prefix, close = exchange_gateway(
                    settings, accounts, config.accounts[entry.name], season_id, entry.id
                )
                self._closers.append(close)
                self.records[entry.id] = (
                    ExchangeRecords(gateway, config.start, self.now_ms),
                    ClientIds(prefix),
                )
        except BaseException:
            self.close()
            raise
        first = self.records[entries[0].id][0].gateway
        self.clock = ExchangeClock(first.server_time, local, settings.exchange_clock_sync_s)

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def close(self) -> None:
        for close in self._closers:
            close()
        self._closers.clear()


def season_venues(
    config: SeasonConfig,
    entries: Sequence[EntryRecord],
    instruments: dict[str, Instrument],
    live: LiveAccounts | None,
) -> list[Venue]:
    """One venue per entry, in the entries' order: paper accounts, or (``live``) each entry's
    exchange account."""
    if live is None:
        paper = PaperVenueConfig(
            config.capital, config.slippage_bps, config.fee_rate, config.margin_mode,
            config.position_mode,
        )  # fmt: skip
        return [PaperVenue(paper, instruments, NextBarOpen()) for _ in entries]
    from alpha_arena.execution.exchange.venue import ExchangeVenue

    venues: list[Venue] = []
    for entry in entries:
        records, ids = live.records[entry.id]
        venues.append(ExchangeVenue(records, instruments, config.capital, ids, config.step_ms))
    return venues


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
    gateway: ExchangeGateway = CcxtGateway(
        client, partial(_translate, account=account, secrets=secrets)
    )
    if settings.trading_dry_run:
        from alpha_arena.execution.exchange.dry_run import DryRunGateway

        gateway = DryRunGateway(gateway, account.name)
    ids = ClientIds.for_entry(season_id, entry_id, account.exchange)  # Hyperliquid: hex cloids
    return gateway, ids.prefix, partial(close, client)


def _translate(
    error: ccxt.BaseError, account: ExchangeAccount, secrets: tuple[str, ...]
) -> ArenaError:
    from alpha_arena.execution.exchange.errors import translate

    return translate(error, account, secrets)
