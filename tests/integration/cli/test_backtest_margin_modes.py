"""``arena backtest run --margin-mode/--position-mode`` on both databases: the modes are kept in
the stored configuration, and a strategy that never holds both sides of a coin nor loses more
than its margin trades exactly alike in every mode (the walked cross/hedged account against
the default one, which skips quiet spans)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import sample_subset

RUN = (
    "backtest", "run", "--strategy", "ema_trend", "--symbol", "BTC/USDT:USDT",
    "--timeframe", "1h", "--start", "2024-01-01", "--end", "2024-04-01", "--capital", "10000",
    "--fee-rate", "0.0005", "--slippage-bps", "2", "--leverage", "1", "--json",
)  # fmt: skip


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        folder = sample_subset(
            tmp_path_factory.mktemp("sample"),
            ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"],
        )
        context = open_context(settings_for(url))
        load_sample(context, folder)
        context.close()
        yield url


@pytest.fixture
def use(database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARENA_DATABASE_URL", database)
    return database


def test_the_modes_are_stored_and_a_one_sided_1x_strategy_trades_alike_in_every_mode(
    use: str,
) -> None:
    default = invoke(*RUN)
    assert default.exit_code == 0, default.output
    hedged = invoke(*RUN, "--margin-mode", "cross", "--position-mode", "long_short")
    assert hedged.exit_code == 0, hedged.output
    plain, other = json.loads(default.stdout), json.loads(hedged.stdout)
    assert (plain["config"]["margin_mode"], plain["config"]["position_mode"]) == (
        "isolated", "net",
    )  # fmt: skip
    shown = json.loads(invoke("backtest", "show", str(other["id"]), "--json").stdout)
    assert (shown["config"]["margin_mode"], shown["config"]["position_mode"]) == (
        "cross", "long_short",
    )  # fmt: skip
    assert plain["metrics"]["trade_count"] > 0
    assert other["metrics"] == plain["metrics"]


def test_an_unknown_mode_is_one_line_and_exit_2(use: str) -> None:
    cases = (
        ("--margin-mode", "portfolio", "unknown margin mode"),
        ("--position-mode", "hedge", "unknown position mode"),
    )
    for option, value, words in cases:
        result = invoke(*RUN, option, value)
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], lines
