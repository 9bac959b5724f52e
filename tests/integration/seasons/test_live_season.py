"""A live season of two agents on two demo accounts of the loopback exchange (real CCXT client,
OKX's protocol), on each database: it runs to its end, its ledger is the exchange's (every fill
an execution the exchange reports), every tick is reconciled with nothing to report, and
``flatten`` leaves no position or order. Without ARENA_TRADING_ENABLED it sends nothing."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alpha_arena.cli.app import app
from alpha_arena.core.errors import ConfigurationError, InvalidInputError
from alpha_arena.domain.seasons import SeasonEvent, SeasonStatus
from alpha_arena.services import seasons
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.live_trading import flatten_season, season_reconciliation
from alpha_arena.storage.season_store import SeasonStore
from alpha_arena.storage.tables import Base
from tests.support.fake_exchange import FakeExchange
from tests.support.fake_venues import DEFAULT_NOW_MS
from tests.support.live_exchange import (
    ACCOUNTS,
    BTC,
    LAG_MS,
    START,
    TICKS,
    ExchangeClock,
    drive,
    live_season,
    live_settings,
)

pytestmark = pytest.mark.usefixtures("database_url")


def assert_no_secret_stored(context: AppContext, season_id: int, folder: Path) -> None:
    """No key, secret or passphrase in clear text in any row of any table, nor in the season's
    export."""
    secrets = [secret for _, credentials in ACCOUNTS.values() for secret in credentials.secrets()]
    with context.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                text = " ".join(str(value) for value in row)
                for secret in secrets:
                    assert secret not in text, f"a secret in {table.name}"
    for path in seasons.export_season(context, season_id, folder):
        for secret in secrets:
            assert secret not in path.read_text()


def stop_everything_from_the_cli(
    context: AppContext, fake: FakeExchange, season_id: int, entries: set[str]
) -> list[str]:
    """What a person stopping a live season would do: read its reconciliation, then flatten it
    (``arena season reconciliation``, ``arena season flatten``); return what they printed."""
    settings = context.settings
    assert settings.secret_key is not None and settings.exchange_base_url is not None
    env = {
        "ARENA_DATABASE_URL": settings.database_url,
        "ARENA_EXCHANGE_BASE_URL": settings.exchange_base_url,
        "ARENA_SECRET_KEY": settings.secret_key.get_secret_value(),
        "ARENA_TRADING_ENABLED": "true", "ARENA_EXCHANGE_RATE_LIMIT_MS": "0",
    }  # fmt: skip
    shown = CliRunner().invoke(app, ["season", "reconciliation", str(season_id), "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    reconciliation = json.loads(shown.stdout)
    assert reconciliation["snapshots"] == TICKS * len(ACCOUNTS)
    assert reconciliation["events"] == []
    assert {b["entry"] for b in reconciliation["balances"]} == entries

    held = sum(len(fake.account(c.api_key).positions) for _, c in ACCOUNTS.values())
    assert held > 0, "a trend follower holds a position at the end"
    done = CliRunner().invoke(
        app, ["season", "flatten", str(season_id), "--yes", "--json"], env=env
    )
    assert done.exit_code == 0, done.output
    flattened = json.loads(done.stdout)
    assert {(f["remaining_positions"], f["remaining_orders"]) for f in flattened} == {(0, 0)}
    assert sum(len(f["closed"]) for f in flattened) == held
    for _, credentials in ACCOUNTS.values():
        account = fake.account(credentials.api_key)
        assert account.positions == {}
        assert account.open_orders() == []
    return [shown.output, done.output]


def test_a_live_season_trades_reconciles_and_flattens(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeExchange(START + LAG_MS) as fake:
        context = open_context(live_settings(database_url, fake), clock=ExchangeClock(fake))
        try:
            season_id = live_season(context, fake)
            store = SeasonStore(context.engine)
            # The exchange fails for a moment on the first order: looked up, then sent again.
            fake.fail_next(502, count=1, path="/api/v5/trade/order")
            stop = threading.Event()
            driver = threading.Thread(
                target=drive, args=(fake, lambda: store.get(season_id).ticks_done, TICKS, stop)
            )
            driver.start()
            try:
                report = seasons.run_season(context, season_id)
            finally:
                stop.set()
                driver.join()
            assert (report.status, report.ticks_done) == (SeasonStatus.FINISHED, TICKS)
            assert "looking it up and retrying (1 of 3)" in caplog.text

            entries = {entry.name: entry for entry in store.entries(season_id)}
            executed = 0
            for agent, (_, credentials) in ACCOUNTS.items():
                account = fake.account(credentials.api_key)
                fills = store.fills(entries[agent].id)
                exchange_fills = [f for f in account.fills if f.ts < START + TICKS * 3_600_000]
                # Every fill booked is an execution of the exchange's, at its price and fee.
                assert [(round(f.quantity, 9), f.price) for f in fills] == [
                    (round(f.quantity, 9), f.price) for f in exchange_fills
                ][: len(fills)]
                executed += len(fills)
            assert executed > 0, "the agents should have traded in 30 hours"

            outputs = stop_everything_from_the_cli(context, fake, season_id, set(entries))
            events = season_reconciliation(context, season_id).events
            assert any(event.kind == "flattened" for event in events)
            secrets = [s for _, c in ACCOUNTS.values() for s in c.secrets()]
            for output in outputs:
                assert not any(secret in output for secret in secrets)
            assert_no_secret_stored(context, season_id, tmp_path)
        finally:
            context.close()


def test_a_live_season_refuses_to_run_without_trading_enabled(database_url: str) -> None:
    with FakeExchange(START + LAG_MS) as fake:
        settings = live_settings(database_url, fake)
        context = open_context(settings, clock=ExchangeClock(fake))
        try:
            season_id = live_season(context, fake)
        finally:
            context.close()
        context = open_context(
            settings.model_copy(update={"trading_enabled": False}), clock=ExchangeClock(fake)
        )
        try:
            with pytest.raises(ConfigurationError, match="ARENA_TRADING_ENABLED=true"):
                seasons.transition(context, season_id, SeasonEvent.START)
            assert SeasonStore(context.engine).get(season_id).status is SeasonStatus.DRAFT
            with pytest.raises(ConfigurationError, match="ARENA_TRADING_ENABLED=true"):
                seasons.run_season(context, season_id)
            with pytest.raises(ConfigurationError, match="ARENA_TRADING_ENABLED=true"):
                flatten_season(context, season_id)
        finally:
            context.close()
        assert all(not fake.account(c.api_key).orders for _, c in ACCOUNTS.values())


def test_a_dry_run_logs_the_exact_orders_and_sends_none(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeExchange(START + LAG_MS) as fake:
        settings = live_settings(database_url, fake, trading_enabled=False, trading_dry_run=True)
        context = open_context(settings, clock=ExchangeClock(fake))
        try:
            season_id = live_season(context, fake, ticks=12)
            store = SeasonStore(context.engine)
            stop = threading.Event()
            driver = threading.Thread(
                target=drive, args=(fake, lambda: store.get(season_id).ticks_done, 12, stop)
            )
            driver.start()
            with caplog.at_level("WARNING", logger="alpha_arena.execution.exchange.dry_run"):
                try:
                    report = seasons.run_season(context, season_id)
                finally:
                    stop.set()
                    driver.join()
            assert report.status is SeasonStatus.FINISHED
            events = [e for entry in store.entries(season_id) for e in store.order_events(entry.id)]
            assert events, "the agents should have wanted to trade"
            assert {e["status_to"] for e in events} == {"rejected"}
            assert all(e["reason"].startswith("dry run: not sent (market ") for e in events)
        finally:
            context.close()
    assert all(not fake.account(c.api_key).orders for _, c in ACCOUNTS.values())
    sent = [r.getMessage() for r in caplog.records if "dry run, not sent" in r.getMessage()]
    assert any("market sell 0.11 BTC/USDT:USDT, client order id aa" in line for line in sent)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"baselines": True}, "baselines would need accounts"),
        ({"accounts": {"fast": "a"}}, "no exchange account for slow"),
        ({"accounts": {"fast": "a", "slow": "a"}}, "a is bound to several participants"),
        ({"risk": {}}, "must set max_position_notional, max_total_exposure, daily_loss_limit"),
        ({"mode": "paper"}, "only a live season trades on exchange accounts"),
    ],
)
def test_a_live_season_is_refused_without_its_safety(
    database_url: str, change: dict[str, object], message: str
) -> None:
    from alpha_arena.seasons.config import parse_season_config

    values = {
        "name": "live", "mode": "live", "exchange": "okx", "symbols": [BTC], "start": START,
        "end": DEFAULT_NOW_MS, "baselines": False, "participants": ["fast", "slow"],
        "accounts": {"fast": "a", "slow": "b"},
        "risk": {"max_position_notional": 1, "max_total_exposure": 1, "daily_loss_limit": 0.1},
    }  # fmt: skip
    with pytest.raises(InvalidInputError, match=message):
        parse_season_config(values | change)
