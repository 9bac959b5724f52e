"""``arena season create --anonymize`` on both databases: the option is stored with a secret
drawn at creation, ``arena season show`` says the tape is anonymized, and neither its JSON nor
``arena season export`` shows the secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.season_store import SeasonStore
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import sample_subset

FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]


@pytest.fixture(scope="module", params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as database:
        context = open_context(settings_for(database))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
            add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend"})
        finally:
            context.close()
        yield database


def arena(url: str, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"ARENA_DATABASE_URL": url})


def create(url: str, name: str, *flags: str) -> int:
    result = arena(url, "season", "create", "--name", name, "--symbols", "BTC/USDT:USDT",
                   "--start", "2024-06-01", "--end", "2024-06-02", "--agents", "trend",
                   "--json", *flags)  # fmt: skip
    assert result.exit_code == 0, result.output
    return int(json.loads(result.output)["id"])


def test_an_anonymized_season_says_so_and_keeps_its_secret(url: str, tmp_path: Path) -> None:
    season_id = create(url, "masked", "--anonymize")
    context = open_context(settings_for(url))
    try:
        secret = SeasonStore(context.engine).get(season_id).config["tape_seed"]
    finally:
        context.close()
    assert isinstance(secret, str) and len(secret) == 32

    shown = arena(url, "season", "show", str(season_id))
    assert shown.exit_code == 0, shown.output
    assert "anonymized tape: on" in shown.output
    as_json = arena(url, "season", "show", str(season_id), "--json")
    config = json.loads(as_json.output)["config"]
    assert config["anonymize"] is True and "tape_seed" not in config

    ran = arena(url, "season", "run", str(season_id))
    assert ran.exit_code == 0, ran.output
    exported = arena(url, "season", "export", str(season_id), "--out", str(tmp_path))
    assert exported.exit_code == 0, exported.output
    summary = json.loads((tmp_path / "season.json").read_text())
    assert summary["season"]["anonymize"] is True and "tape_seed" not in summary["season"]
    for path in (*tmp_path.iterdir(),):
        assert secret not in path.read_text(), path.name
    assert secret not in shown.output + as_json.output + ran.output


def test_a_plain_season_shows_no_such_line(url: str) -> None:
    season_id = create(url, "plain")
    shown = arena(url, "season", "show", str(season_id))
    assert shown.exit_code == 0 and "anonymized tape" not in shown.output
    assert (
        json.loads(arena(url, "season", "show", str(season_id), "--json").output)["config"][
            "anonymize"
        ]
        is False
    )
