"""``arena agent add --kind remote`` end to end, on SQLite and PostgreSQL: the signing secret
is printed once and is nowhere after (the stored configuration, list, show, the season's
records); without a master key the command fails in one line; rotate-secret makes a new one;
a season with the example bot runs from the CLI, and `arena agent decide` asks it once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.tables import AgentRow, AgentSecretRow, LlmCallRow
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.remote_bot import example_bot
from tests.support.sample import sample_subset

FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]
KEY = Fernet.generate_key().decode()
SECRET = re.compile(r"arsk_[A-Za-z0-9_-]{43}")


@pytest.fixture(scope="module", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        context = open_context(settings_for(url))
        load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
        context.close()
        yield url


def invoke(database: str, *args: str, key: str | None = KEY) -> Result:
    env = {"ARENA_DATABASE_URL": database, "ARENA_SECRET_KEY": key or ""}
    return CliRunner().invoke(app, list(args), env=env)


def stored_text(database: str) -> str:
    """Everything the database holds about agents and their calls, as text."""
    context = open_context(settings_for(database))
    try:
        with context.engine.connect() as connection:
            rows = [
                *connection.execute(select(AgentRow)).all(),
                *connection.execute(select(AgentSecretRow)).all(),
                *connection.execute(select(LlmCallRow)).all(),
            ]
        return "\n".join(str(tuple(row)) for row in rows)
    finally:
        context.close()


def test_the_secret_is_printed_once_and_nowhere_after(database: str) -> None:
    added = invoke(database, "agent", "add", "bot-a", "--kind", "remote", "--url",
                   "http://127.0.0.1:9/decide", "--set", "deadline_s=5")  # fmt: skip
    assert added.exit_code == 0, added.output
    (secret,) = SECRET.findall(added.output)
    assert "shown once" in added.output
    for args in (("agent", "list"), ("agent", "list", "--json"), ("agent", "show", "bot-a"),
                 ("agent", "show", "bot-a", "--json")):  # fmt: skip
        shown = invoke(database, *args)
        assert shown.exit_code == 0 and "bot-a" in shown.output
        assert secret not in shown.output and secret[:12] not in shown.output
    assert secret not in stored_text(database) and secret[5:17] not in stored_text(database)

    rotated = invoke(database, "agent", "rotate-secret", "bot-a", "--json")
    assert rotated.exit_code == 0, rotated.output
    new = json.loads(rotated.stdout)["secret"]
    assert SECRET.fullmatch(new) and new != secret


def test_without_a_master_key_the_add_fails_in_one_line_saying_how_to_make_one(
    database: str,
) -> None:
    refused = invoke(database, "agent", "add", "bot-b", "--kind", "remote", "--url",
                     "http://127.0.0.1:9/decide", key=None)  # fmt: skip
    assert refused.exit_code != 0
    assert "ARENA_SECRET_KEY is not set" in refused.output
    assert "arena account new-key" in refused.output and "Traceback" not in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert "bot-b" not in invoke(database, "agent", "list").output  # nothing was stored


@pytest.mark.parametrize(
    ("url", "fragment"),
    [("http://bot.example.com/decide", "plain http only to a loopback host"),
     ("https://user:pw@bot.example.com/decide", "must not hold credentials"),
     ("ftp://bot.example.com/", "must be an https URL")],
)  # fmt: skip
def test_an_endpoint_that_is_not_https_or_holds_credentials_is_refused(
    database: str, url: str, fragment: str
) -> None:
    refused = invoke(database, "agent", "add", "bot-c", "--kind", "remote", "--url", url)
    assert refused.exit_code != 0 and fragment in refused.output
    assert "Traceback" not in refused.output


def test_a_season_with_the_example_bot_runs_from_the_cli(database: str) -> None:
    with example_bot("not-yet") as (bot, url):
        added = invoke(database, "agent", "add", "ema-bot", "--kind", "remote", "--url", url,
                       "--json")  # fmt: skip
        assert added.exit_code == 0, added.output
        registered = json.loads(added.stdout)
        bot.secret = registered["secret"]  # type: ignore[attr-defined]
        assert "secret" not in registered["config"]
        created = invoke(database, "season", "create", "--name", "cli byo", "--symbols",
                         "BTC/USDT:USDT", "--start", "2024-06-03", "--end", "2024-06-04",
                         "--agents", "ema-bot", "--json")  # fmt: skip
        assert created.exit_code == 0, created.output
        season_id = str(json.loads(created.stdout)["id"])
        ran = invoke(database, "season", "run", season_id)
        assert ran.exit_code == 0, ran.output
        assert bot.requests == 24  # type: ignore[attr-defined]
        board = invoke(database, "season", "leaderboard", season_id, "--json")
        assert board.exit_code == 0, board.output
        assert "ema-bot" in board.output and registered["secret"] not in board.output
        assert registered["secret"] not in stored_text(database)

        decided = invoke(database, "agent", "decide", "ema-bot", "--at", "2024-06-05T12:00",
                         "--symbols", "BTC/USDT:USDT", "--json")  # fmt: skip
        assert decided.exit_code == 0, decided.output
        answer = json.loads(decided.stdout)
        assert answer["valid"] and answer["llm_calls"] == 1 and len(answer["actions"]) == 1
        assert bot.requests == 25  # type: ignore[attr-defined]
