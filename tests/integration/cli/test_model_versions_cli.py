"""Model versions in the terminal, on both databases: after a provider silently updated a model
mid-season, `arena agent show` names both versions (the latest first, with when each was first
seen), `arena agent versions` lists the registry, and `arena season leaderboard` names the
version that answered last and the earlier one."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.core.clock import SimClock
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts, to_iso
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.services.seasons import export_season
from alpha_arena.storage.season_store import SeasonStore
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.fake_llm import FakeAnswer, FakeLlmServer
from tests.support.sample import sample_subset

BTC = "BTC/USDT:USDT"
FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]
HOLD = json.dumps({"reasoning": "no edge", "decisions": [
    {"coin": "BTC", "signal": "hold", "justification": "flat funding"}]})  # fmt: skip
AUGUST, NOVEMBER = "gpt-4o-2024-08-06", "gpt-4o-2024-11-20"


@dataclass(frozen=True)
class Updated:
    url: str
    season_id: int
    first_seen: dict[str, int]  # each version's first call


@pytest.fixture(scope="module", params=BACKENDS)
def updated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Updated]:
    """A 4-tick season of one gpt-4o trader whose provider updates the model after 2 ticks."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url, \
            FakeLlmServer() as model:  # fmt: skip
        model.respond_with(lambda _: FakeAnswer(HOLD))
        model.served_model = AUGUST
        settings = Settings(_env_file=None, database_url=url, llm_max_retries=0)
        context = open_context(settings, clock=SimClock(parse_ts("2026-01-01")))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
            add_agent(
                context,
                "gpt",
                {
                    "kind": "llm",
                    "provider": "openai",
                    "model": "gpt-4o",
                    "base_url": model.openai_base_url,
                    "api_key_env": "PATH",
                },
            )  # any set variable: no key needed
            season = seasons.create_season(context, {
                "name": "updated", "symbols": [BTC], "start": parse_ts("2024-06-01"),
                "end": parse_ts("2024-06-01T04:00"), "participants": ["gpt"], "baselines": False,
            })  # fmt: skip
            seasons.run_season(context, season.id, stop_after=2)
            model.served_model = NOVEMBER
            seasons.run_season(context, season.id)
            store = SeasonStore(context.engine)
            calls = [call for _, call in store.llm_calls(store.entries(season.id)[0].id)]
        finally:
            context.close()
        first_seen = {}
        for call in calls:
            assert call.version is not None
            first_seen.setdefault(call.version.label, call.ts)
        yield Updated(url, season.id, first_seen)


def cli(updated: Updated, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"ARENA_DATABASE_URL": updated.url})


def test_agent_show_names_each_version_its_calls_used_latest_first(updated: Updated) -> None:
    result = cli(updated, "agent", "show", "gpt")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "gpt-4o-2024" in line]
    assert len(lines) == 2 and "model versions" in lines[0]
    assert NOVEMBER in lines[0] and AUGUST in lines[1]
    assert f"first seen {to_iso(updated.first_seen[NOVEMBER])}" in lines[0]
    assert f"first seen {to_iso(updated.first_seen[AUGUST])}" in lines[1]

    shown = cli(updated, "agent", "show", "gpt", "--json")
    versions = json.loads(shown.stdout)["model_versions"]
    assert [(v["version"], v["calls"]) for v in versions] == [(NOVEMBER, 2), (AUGUST, 2)]


def test_agent_versions_lists_the_registry_with_the_price_in_effect(updated: Updated) -> None:
    result = cli(updated, "agent", "versions", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"provider": "openai", "model": "gpt-4o", "version": label,
         "first_seen": to_iso(updated.first_seen[label]), "input_usd_per_mtok": 2.5,
         "output_usd_per_mtok": 10.0, "calls": 2, "last_used": last_used}
        for label, last_used in ((NOVEMBER, to_iso(updated.first_seen[NOVEMBER] + 3_600_000)),
                                 (AUGUST, to_iso(updated.first_seen[AUGUST] + 3_600_000)))
    ]  # fmt: skip
    table = cli(updated, "agent", "versions")
    assert "2.5/10" in table.stdout and NOVEMBER in table.stdout


def test_an_unknown_agent_has_no_versions_to_list(updated: Updated) -> None:
    result = cli(updated, "agent", "versions", "--agent", "nobody")
    assert result.exit_code == 2  # what every unknown name exits with
    assert result.output.strip().splitlines() == ["error: no agent named 'nobody'; known: gpt"]


def test_the_leaderboard_names_the_latest_version_and_the_earlier_one(updated: Updated) -> None:
    result = cli(updated, "season", "leaderboard", str(updated.season_id), "--wide")
    assert result.exit_code == 0, result.output
    assert f"{NOVEMBER} (earlier: {AUGUST})" in result.stdout
    board = json.loads(
        cli(updated, "season", "leaderboard", str(updated.season_id), "--json").stdout
    )
    assert board["rows"][0]["model_versions"] == [NOVEMBER, AUGUST]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout


def test_the_exported_leaderboard_names_the_versions_in_one_cell(
    updated: Updated, tmp_path: Path
) -> None:
    context = open_context(settings_for(updated.url))
    try:
        export_season(context, updated.season_id, tmp_path / "export")
    finally:
        context.close()
    with (tmp_path / "export" / "leaderboard.csv").open(newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert (row["model_version"], row["model_versions"]) == (NOVEMBER, f"{NOVEMBER} {AUGUST}")
