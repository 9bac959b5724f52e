"""``arena backtest`` as a user runs it, on both databases: run, list, show, export, sweep, and
one-line errors for bad input."""

from __future__ import annotations

import csv
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
    "--fee-rate", "0.0005", "--slippage-bps", "2", "--leverage", "1",
    "--param", "fast=12", "--param", "slow=26",
)  # fmt: skip


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database holding the BTC perpetual 1h bars and funding of the sample."""
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


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_run_prints_the_metrics_and_stores_the_run_which_show_and_export_read_back(
    use: str, tmp_path: Path
) -> None:
    result = invoke(*RUN, "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    metrics = printed["metrics"]
    for name in ("total_return", "cagr", "max_drawdown", "sharpe", "sortino", "calmar",
                 "profit_factor", "win_rate", "expectancy", "trade_count", "exposure",
                 "fees_paid", "funding_paid", "best_trade", "worst_trade",
                 "buy_and_hold_return"):  # fmt: skip
        assert name in metrics
    assert metrics["trade_count"] > 0
    assert printed["config"]["params"] == {"fast": "12", "slow": "26"}

    shown = json.loads(invoke("backtest", "show", str(printed["id"]), "--json").stdout)
    assert shown["metrics"] == metrics

    listed = json.loads(invoke("backtest", "list", "--json").stdout)
    assert printed["id"] in [item["id"] for item in listed]

    out = tmp_path / "export"
    exported = invoke("backtest", "export", str(printed["id"]), "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert sorted(path.name for path in out.iterdir()) == [
        "decisions.csv", "equity.csv", "orders.csv", "positions.csv", "risk_events.csv",
        "trades.csv",
    ]  # fmt: skip
    with (out / "decisions.csv").open() as handle:
        decisions = list(csv.DictReader(handle))
    with (out / "positions.csv").open() as handle:
        positions = list(csv.DictReader(handle))
    # Every trade was opened by an entry decision and left a position row behind it.
    entries = [row for row in decisions if row["signal"].endswith("_to_enter")]
    assert len(entries) >= metrics["trade_count"] > 0
    assert len([row for row in positions if row["tag"] == "entry"]) == metrics["trade_count"]
    with (out / "equity.csv").open() as handle:
        equity = list(csv.DictReader(handle))
    assert float(equity[-1]["equity"]) == pytest.approx(metrics["end_equity"])
    assert len(equity) == metrics["bars"]
    with (out / "trades.csv").open() as handle:
        trades = list(csv.DictReader(handle))
    assert len(trades) == metrics["trade_count"]
    with (out / "orders.csv").open() as handle:
        orders = list(csv.DictReader(handle))
    fees = sum(float(order["fee"]) for order in orders)
    assert fees == pytest.approx(metrics["fees_paid"])
    assert {order["status"] for order in orders} <= {"filled", "canceled", "rejected", "open"}


def test_run_prints_a_readable_table(use: str) -> None:
    result = invoke(*RUN)
    assert result.exit_code == 0, result.output
    for label in ("total return", "max drawdown", "Sharpe", "buy & hold return", "fees paid"):
        assert label in result.stdout


def test_sweep_ranks_every_valid_combination_and_its_best_point_matches_a_single_run(
    use: str,
) -> None:
    result = invoke(
        "backtest", "sweep", "--strategy", "ema_trend", "--symbol", "BTC/USDT:USDT",
        "--start", "2024-01-01", "--end", "2024-04-01", "--fee-rate", "0.0005",
        "--grid", "fast=10:30:10", "--grid", "slow=20,40", "--jobs", "2", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sweep = json.loads(result.stdout)
    # 3 x 2 combinations; fast=20/slow=20 and fast=30/slow=20 are invalid (fast >= slow).
    ran = {(p["params"]["fast"], p["params"]["slow"]) for p in sweep["results"]}
    assert ran == {("10", "20"), ("10", "40"), ("20", "40"), ("30", "40")}
    skipped = {(s["params"]["fast"], s["params"]["slow"]) for s in sweep["skipped"]}
    assert skipped == {("20", "20"), ("30", "20")}
    sharpes = [point["metrics"]["sharpe"] for point in sweep["results"]]
    assert sharpes == sorted(sharpes, reverse=True)
    best = sweep["results"][0]
    single = invoke(
        "backtest", "run", "--strategy", "ema_trend", "--symbol", "BTC/USDT:USDT",
        "--start", "2024-01-01", "--end", "2024-04-01", "--fee-rate", "0.0005",
        "--param", f"fast={best['params']['fast']}", "--param", f"slow={best['params']['slow']}",
        "--json",
    )  # fmt: skip
    deflated = best["metrics"].pop("deflated_sharpe")  # the sweep's figure: a run has none
    assert json.loads(single.stdout)["metrics"] == best["metrics"]
    assert 0.0 <= deflated <= 1.0


OPTIONS = dict(zip(RUN[2:-4:2], RUN[3:-4:2], strict=True))  # everything but the --param pairs


@pytest.mark.parametrize(
    ("overrides", "params", "fragments"),
    [
        ({"--strategy": "nope"}, [], ("unknown strategy 'nope'", "ema_trend")),
        ({}, ["fast=26", "slow=12"], ("fast (26) must be less than slow (12)",)),
        ({}, ["fsat=3"], ("no parameter 'fsat'",)),
        ({"--start": "2025-01-01", "--end": "2024-01-01"}, [], ("is not before end",)),
        (
            {"--start": "2019-01-01", "--end": "2019-02-01"},
            [],
            ("no 1h candles for BTC/USDT:USDT",),
        ),
        ({"--symbol": "FOO/USDT:USDT"}, [], ("FOO/USDT:USDT",)),
        ({"--capital": "0"}, [], ("capital 0 must be positive",)),
        ({"--leverage": "500"}, [], ("leverage 500 must be in",)),
        ({"--timeframe": "7h"}, [], ("unknown timeframe '7h'",)),
        ({"--start": "yesterday"}, [], ("cannot read 'yesterday' as a date",)),
        ({}, ["fast"], ("use NAME=VALUE",)),
        ({"--end": "2030-01-01"}, [], ("end 2030-01-01T00:00:00Z is in the future",)),
        (
            {"--end": "2026-06-01"},
            [],
            (
                "past the stored 1h data of BTC/USDT:USDT",
                "last bar opens at 2026-05-17T07:00:00Z",
                "use --end 2026-05-17T08:00:00Z or earlier",
            ),
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    use: str, overrides: dict[str, str], params: list[str], fragments: tuple[str, ...]
) -> None:
    argv = ["backtest", "run"]
    for key, value in {**OPTIONS, **overrides}.items():
        argv += [key, value]
    for param in params:
        argv += ["--param", param]
    assert_one_line_error(invoke(*argv), *fragments)


def test_show_and_export_of_an_unknown_id_are_one_line(use: str, tmp_path: Path) -> None:
    assert_one_line_error(invoke("backtest", "show", "99999"), "no backtest 99999")
    assert_one_line_error(
        invoke("backtest", "export", "99999", "--out", str(tmp_path / "x")), "no backtest 99999"
    )


def test_a_malformed_grid_is_one_line(use: str) -> None:
    result = invoke(
        "backtest", "sweep", "--strategy", "ema_trend", "--symbol", "BTC/USDT:USDT",
        "--start", "2024-01-01", "--end", "2024-02-01", "--grid", "fast=10:5:1",
    )  # fmt: skip
    assert_one_line_error(result, "STOP >= START")


def test_a_run_that_made_no_trade_warns_and_shows_why_its_orders_were_denied(use: str) -> None:
    # 1 USDT of capital sizes every entry below BTC's 100 USDT minimum notional.
    poor = [*RUN[: RUN.index("--capital")], "--capital", "1", *RUN[RUN.index("--capital") + 2 :]]
    result = invoke(*poor, "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    denied = printed["denials"]["min_notional"]
    assert printed["metrics"]["trade_count"] == 0 and list(printed["denials"]) == ["min_notional"]
    warning = (
        f"warning: backtest {printed['id']} made no trade: the risk checks denied {denied} "
        f"actions (min_notional {denied})"
    )
    assert result.stderr.strip().splitlines() == [warning]

    table = invoke(*poor)
    assert table.exit_code == 0, table.output
    assert f"risk denials: min_notional {denied}" in table.stdout
    assert "made no trade" in table.stderr

    shown = invoke("backtest", "show", str(printed["id"]))
    assert f"risk denials: min_notional {denied}" in shown.stdout
    assert shown.stderr.strip() == warning
    as_json = json.loads(invoke("backtest", "show", str(printed["id"]), "--json").stdout)
    assert as_json["denials"] == {"min_notional": denied}


def test_a_run_that_traded_prints_no_warning(use: str) -> None:
    result = invoke(*RUN)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    assert "risk denials: none" in result.stdout
