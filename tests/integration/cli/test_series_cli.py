"""``arena season series`` on a fresh SQLite database: one command loads the bundled data,
registers the built-in agents, runs the windows in two local processes and prints the
rank-stability table; a repeated window says its rule agents are deterministic; bad input is
one line and exit code 2, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from tests.support.databases import settings_for

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'arena.db'}"


def arena(url: str, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"ARENA_DATABASE_URL": url})


@pytest.fixture(scope="module")
def created(url: str) -> Iterator[Result]:
    """Three monthly windows of the built-in agents on daily bars, from an empty database."""
    result = arena(url, "season", "series", "create", "walk", "--monthly", "3",
                   "--timeframe", "1d", "--parallel", "2")  # fmt: skip
    assert result.exit_code == 0, result.output
    yield result


def test_one_command_runs_a_series_of_the_builtin_agents_from_an_empty_database(
    created: Result, url: str
) -> None:
    out = created.output
    assert "loaded the bundled Binance sample first" in out
    assert "created series 1 (consecutive, 3 windows, 9 entries: ema-trend-1d," in out
    assert "running 3 windows through local processes" in out
    assert out.count(" finished: reached its end") == 3
    assert "rank stability" in out and "Kendall's W" in out and "over 3 finished of 3" in out
    shown = arena(url, "season", "series", "show", "1", "--json")
    assert shown.exit_code == 0, shown.output
    series = json.loads(shown.output)
    assert [w["status"] for w in series["windows"]] == ["finished"] * 3
    assert [w["start"][:10] for w in series["windows"]] == ["2025-11-01", "2025-12-01",
                                                            "2026-01-01"]  # fmt: skip
    summary = series["aggregate"]
    assert summary["windows"] == 3 and len(summary["entries"]) == 9
    assert sum(entry["p_first"] for entry in summary["entries"]) == pytest.approx(1.0)
    for entry in summary["entries"]:
        assert entry["name"] in out and f"{entry['mean_rank']:.2f}" in out
    listed = arena(url, "season", "series", "list")
    assert listed.exit_code == 0 and "walk" in listed.output and "consecutive" in listed.output


def test_a_repeated_window_says_its_rule_agents_are_deterministic(
    created: Result, url: str
) -> None:
    context = open_context(settings_for(url))
    try:
        add_agent(context, "trend-4h", {"kind": "strategy", "strategy": "ema_trend",
                                        "timeframe": "4h"})  # fmt: skip
    finally:
        context.close()
    result = arena(url, "season", "series", "create", "again", "--repeat", "2", "--start",
                   "2025-03-01", "--end", "2025-03-08", "--agent", "trend-4h", "--symbols",
                   f"{BTC},{ETH}", "--timeframe", "4h", "--parallel", "1")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "rule agents and baselines are deterministic" in result.output
    assert "Kendall's W 1.000 over 2 finished of 2" in result.output
    drafts = arena(url, "season", "series", "create", "later", "--repeat", "2", "--start",
                   "2025-03-01", "--end", "2025-03-08", "--agent", "trend-4h", "--symbols",
                   BTC, "--timeframe", "4h", "--no-run", "--json")  # fmt: skip
    assert drafts.exit_code == 0, drafts.output
    assert json.loads(drafts.output)["entries"] == ["trend-4h", "btc-buy-and-hold",
                                                    "equal-weight-hold"]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--monthly", "1"], "a series has 2 to 120 windows; got 1"),
        (["--monthly", "0"], "a series has 2 to 120 windows; got 0"),
        (["--random", "500", "--length", "30d", "--seed", "1"], "2 to 120 windows; got 500"),
        (["--monthly", "3", "--agent", "nobody"], "no agent named 'nobody'"),
        (["--monthly", "3", "--from", "2019-01-01"], "lies outside the data every coin has"),
        (["--repeat", "2", "--start", "2026-05-01", "--end", "2026-06-01"], "outside the data"),
        (["--random", "3", "--length", "900d", "--seed", "1"], "does not fit in the data"),
        (["--random", "3", "--length", "a month", "--seed", "1"], "expected a length"),
        (["--random", "3", "--length", "30d"], "random windows need a length"),
        (["--monthly", "3", "--random", "2"], "give exactly one of --monthly K, --random K"),
        ([], "give exactly one of --monthly K, --random K or --repeat K"),
        (["--monthly", "3", "--seed", "4"], "--seed goes with --random only"),
        (["--repeat", "2", "--from", "2025-01-01"], "--from goes with --monthly only"),
        (["--monthly", "3", "--parallel", "0"], "--parallel must be 1 to 32; got 0"),
        (["--monthly", "3", "--from", "2025-01-15"], "month's first day"),
    ],
)
def test_bad_input_is_one_line(created: Result, url: str, args: list[str], message: str) -> None:
    result = arena(url, "season", "series", "create", "bad", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.startswith("error: ") and "Traceback" not in result.output


def test_an_unknown_series_is_one_line(created: Result, url: str) -> None:
    result = arena(url, "season", "series", "show", "42")
    assert result.exit_code == 2 and "no series 42; 3 stored" in result.output
