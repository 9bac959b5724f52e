"""``arena agent report`` end to end on both databases: the tables of a real replay season of a
strategy agent, the JSON equal to the service's figures, an empty report, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.core.clock import SimClock
from alpha_arena.core.time import parse_ts
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.outcomes import agent_report, report_json
from alpha_arena.services.sample import load_sample
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.outcome_seasons import EMA_FAST, directional_calls, play_season
from tests.support.sample import sample_subset

FILES = [
    "binance_usdm_BTCUSDT_1h.csv.gz",
    "binance_usdm_BTCUSDT_funding_8h.csv.gz",
    "binance_usdm_ETHUSDT_1h.csv.gz",
    "binance_usdm_ETHUSDT_funding_8h.csv.gz",
]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, int, int, str]]:
    """The URL, the season's id, the agent's directional calls in it, its JSON report."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        context = open_context(settings_for(url), clock=SimClock(parse_ts("2026-06-01")))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
            add_agent(context, "idle", {"kind": "strategy", "strategy": "momentum"})
            season = play_season(
                context, {"ema-fast": EMA_FAST}, parse_ts("2026-03-01"), parse_ts("2026-03-08")
            )
            calls = directional_calls(context, season, "ema-fast")
            expected = json.dumps(report_json(agent_report(context, "ema-fast")))
        finally:
            context.close()
        yield url, season, calls, expected


@pytest.fixture
def report_db(
    database: tuple[str, int, int, str], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, int, int, str]:
    monkeypatch.setenv("ARENA_DATABASE_URL", database[0])
    return database


def test_the_tables_show_each_horizon_by_regime_and_coin(
    report_db: tuple[str, int, int, str],
) -> None:
    _, season, calls, _ = report_db
    result = invoke("agent", "report", "ema-fast")
    assert result.exit_code == 0, result.output
    out = result.output
    for title in ("ema-fast: 1 bar after a call", "ema-fast: 4 bars after a call",
                  "ema-fast: 24 bars after a call"):  # fmt: skip
        assert title in out
    assert f"seasons {season} outcomes" in out
    rows = [line for line in out.splitlines() if line.strip().startswith(("┃ all", "│ all"))]
    assert len(rows) == 3
    assert all(f" {calls:,} " in row for row in rows)  # every directional call, each horizon
    assert "│ BTC " in out and "│ ETH " in out
    assert "regime " in out
    assert "A hit: a long call followed by a rise" in out


def test_json_is_the_services_report(report_db: tuple[str, int, int, str]) -> None:
    _, season, calls, expected = report_db
    result = invoke("agent", "report", "ema-fast", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body == json.loads(expected)
    assert [h["overall"]["calls"] for h in body["horizons"]] == [calls] * 3
    one = json.loads(invoke("agent", "report", "ema-fast", "--season", str(season), "--json")
                     .output)  # fmt: skip
    assert (one["season_id"], one["horizons"]) == (season, body["horizons"])


def test_an_agent_without_decisions_says_so(report_db: tuple[str, int, int, str]) -> None:
    result = invoke("agent", "report", "idle")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("agent idle has no entry in any season: no decisions to judge")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ghost",), "no agent named 'ghost'; known: ema-fast, idle"),
        (("ema-fast", "--season", "999"), "no season 999"),
    ],
)
def test_unknown_names_are_one_line(
    report_db: tuple[str, int, int, str], args: tuple[str, ...], message: str
) -> None:
    result = invoke("agent", "report", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
