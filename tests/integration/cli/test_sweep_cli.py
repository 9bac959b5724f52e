"""Stored sweeps as a user meets them, on both databases: ``arena backtest sweep`` stores the
sweep and its best combination as a backtest, ``arena backtest sweeps`` and ``sweep-show``
read it back exactly, ``arena agent add NAME --from-backtest ID`` registers that combination
as a strategy agent; ``--workers`` without a broker and the other mistakes are one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.services.context import open_context
from alpha_arena.storage.backtest_store import BacktestRecord, BacktestStore
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import sample_subset

BTC = "BTC/USDT:USDT"
SWEEP = (
    "backtest", "sweep", "--strategy", "ema_trend", "--symbol", BTC, "--start", "2024-01-01",
    "--end", "2024-03-01", "--fee-rate", "0.0005", "--leverage", "2", "--param",
    "allow_short=false", "--grid", "fast=5:15:5", "--grid", "slow=10,30", "--jobs", "1",
)  # fmt: skip


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database holding the BTC perpetual 1h bars and funding of the sample."""
    from alpha_arena.services.sample import load_sample

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
    monkeypatch.chdir(tmp_path)  # no .env of the working copy
    monkeypatch.setenv("ARENA_DATABASE_URL", database)
    monkeypatch.delenv("ARENA_BROKER_URL", raising=False)
    return database


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def swept(*extra: str) -> dict[str, Any]:
    result = invoke(*SWEEP, *extra, "--json")
    assert result.exit_code == 0, result.output
    printed: dict[str, Any] = json.loads(result.stdout)
    return printed


def test_a_sweep_is_stored_and_read_back_ranked_exactly(use: str) -> None:
    sweep = swept()
    # 3 x 2 combinations; fast=10/slow=10 and fast=15/slow=10 are invalid (fast >= slow).
    assert len(sweep["results"]) == 4 and len(sweep["skipped"]) == 2
    assert sweep["ran"] == "local" and sweep["duration_ms"] >= 0

    shown = json.loads(invoke("backtest", "sweep-show", str(sweep["id"]), "--json").stdout)
    assert [point["rank"] for point in shown["results"]] == [1, 2, 3, 4]
    assert [(p["params"], p["metrics"]) for p in shown["results"]] == [
        (p["params"], p["metrics"]) for p in sweep["results"]
    ]
    assert shown["grid"] == {"fast": ["5", "10", "15"], "slow": ["10", "30"]}
    assert shown["config"]["params"] == {"allow_short": "false"}
    assert (shown["combinations"], shown["rank_by"], shown["ran"]) == (6, "sharpe", "local")
    assert shown["skipped"] == sweep["skipped"]
    assert shown["best_backtest"] == sweep["best_backtest"]

    listed = json.loads(invoke("backtest", "sweeps", "--json").stdout)
    assert listed[0]["id"] == sweep["id"]
    assert listed[0]["best"]["params"] == sweep["results"][0]["params"]


def test_the_best_combination_is_stored_as_a_backtest_with_the_same_metrics(use: str) -> None:
    sweep = swept()
    best = json.loads(invoke("backtest", "show", str(sweep["best_backtest"]), "--json").stdout)
    assert best["config"]["params"] == sweep["results"][0]["params"]
    assert best["config"]["leverage"] == 2.0
    # The deflated Sharpe ratio belongs to the sweep (it depends on the other combinations).
    deflated = sweep["results"][0]["metrics"].pop("deflated_sharpe")
    assert deflated is not None and "deflated_sharpe" not in best["metrics"]
    assert best["metrics"] == sweep["results"][0]["metrics"]


def test_the_sweep_table_names_the_stored_sweep_and_the_command_to_register_the_best(
    use: str,
) -> None:
    result = invoke(*SWEEP)
    assert result.exit_code == 0, result.output
    listed = json.loads(invoke("backtest", "sweeps", "--json").stdout)
    sweep_id, best = listed[0]["id"], listed[0]["best_backtest"]
    assert f"stored as sweep {sweep_id} (local, " in result.stdout
    assert (
        f"best: backtest #{best} — register it with: arena agent add NAME --from-backtest {best}"
        in result.stdout
    )
    table = invoke("backtest", "sweeps")
    assert table.exit_code == 0, table.output
    assert "fast=" in table.stdout and "local" in table.stdout
    shown = invoke("backtest", "sweep-show", str(sweep_id), "--top", "2")
    assert shown.exit_code == 0, shown.output
    assert f"Sweep {sweep_id}, ranked by sharpe" in shown.stdout
    assert f"--from-backtest {best}" in shown.stdout


def test_a_sweep_has_a_deflated_sharpe_per_combination_and_a_pbo_shown_and_stored(
    use: str,
) -> None:
    sweep = swept()
    overfitting = sweep["overfitting"]
    # 59 days of hourly bars: 16 blocks, every half of them in sample once.
    assert (overfitting["blocks"], overfitting["splits"]) == (16, 12_870)
    assert 0.0 <= overfitting["pbo"] <= 1.0
    deflated = [point["metrics"]["deflated_sharpe"] for point in sweep["results"]]
    assert all(value is None or 0.0 <= value <= 1.0 for value in deflated)
    assert any(value is not None for value in deflated)
    shown = json.loads(invoke("backtest", "sweep-show", str(sweep["id"]), "--json").stdout)
    assert shown["overfitting"] == overfitting
    assert [p["metrics"]["deflated_sharpe"] for p in shown["results"]] == deflated
    assert json.loads(invoke("backtest", "sweeps", "--json").stdout)[0]["overfitting"] == (
        overfitting
    )

    table = invoke("backtest", "sweep-show", str(sweep["id"]))
    assert table.exit_code == 0, table.output
    assert "DSR" in table.stdout
    line = (
        f"PBO {overfitting['pbo']:.2f} (12,870 splits): the chance the best in-sample "
        "combination is below the median out of sample"
    )
    assert line in table.stdout
    printed = invoke(*SWEEP)
    assert printed.exit_code == 0, printed.output
    assert line in printed.stdout and "DSR" in printed.stdout
    listing = invoke("backtest", "sweeps", "--limit", "2")
    assert "PBO" in listing.stdout and f"{overfitting['pbo']:.2f}" in listing.stdout


def test_a_sweep_of_one_combination_has_no_pbo_and_says_so(use: str) -> None:
    one = invoke(*SWEEP[:-6], "--grid", "fast=5", "--grid", "slow=30", "--jobs", "1")
    assert one.exit_code == 0, one.output
    assert "PBO: not measured (it needs 2 combinations or more" in one.stdout
    listed = json.loads(invoke("backtest", "sweeps", "--json").stdout)
    assert listed[0]["overfitting"] is None


def test_an_agent_from_the_best_backtest_trades_its_strategy_and_parameters(use: str) -> None:
    sweep = swept()
    best_id = sweep["best_backtest"]
    name = f"best-of-sweep-{sweep['id']}"
    added = invoke("agent", "add", name, "--from-backtest", str(best_id), "--json")
    assert added.exit_code == 0, added.output
    config = json.loads(added.stdout)["config"]
    assert config["kind"] == "strategy" and config["strategy"] == "ema_trend"
    assert config["params"] == sweep["results"][0]["params"]
    assert (config["symbols"], config["timeframe"], config["leverage"]) == ([BTC], "1h", 2.0)

    overridden = invoke(
        "agent", "add", f"{name}-x3", "--from-backtest", str(best_id), "--set", "leverage=3",
        "--json",
    )  # fmt: skip
    assert overridden.exit_code == 0, overridden.output
    assert json.loads(overridden.stdout)["config"]["leverage"] == 3.0


def test_agent_add_from_an_unknown_or_unusable_backtest_is_one_line(use: str) -> None:
    assert_one_line_error(
        invoke("agent", "add", "ghost", "--from-backtest", "99999"), "no backtest 99999"
    )
    context = open_context(settings_for(use))
    try:
        retired = BacktestStore(context.engine).save(
            BacktestRecord(
                strategy="retired_rule", symbols=[BTC], timeframe="1h", ts_start=0, ts_end=1,
                bars=0, config={"params": {}}, metrics={}, equity_ts=[], equity=[], cash=[],
                exposure=[], trades=[], orders={}, order_events=[], fees_by_order={},
            ),
            0,
        )  # fmt: skip
    finally:
        context.close()
    assert_one_line_error(
        invoke("agent", "add", "retired", "--from-backtest", str(retired)),
        f"backtest {retired} ran 'retired_rule'", "not a library strategy", "ema_trend",
    )  # fmt: skip
    sweep = swept()
    assert_one_line_error(
        invoke("agent", "add", "both", "--from-backtest", str(sweep["best_backtest"]),
               "--strategy", "breakout"),
        "drop --strategy",
    )  # fmt: skip
    assert_one_line_error(invoke("agent", "add", "neither"), "give --kind", "--from-backtest")


def test_workers_without_a_broker_is_one_line(use: str) -> None:
    before = json.loads(invoke("backtest", "sweeps", "--json").stdout)
    assert_one_line_error(invoke(*SWEEP, "--workers"), "ARENA_BROKER_URL is not set")
    assert json.loads(invoke("backtest", "sweeps", "--json").stdout) == before  # none stored


def test_an_unknown_sweep_is_one_line(use: str) -> None:
    assert_one_line_error(invoke("backtest", "sweep-show", "99999"), "no sweep 99999")
