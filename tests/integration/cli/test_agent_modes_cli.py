"""``arena agent modes`` and ``arena agent add --mode``: the competition modes from the command
line, on both databases, the model behind a loopback server speaking the OpenAI protocol."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.agents.llm.prompts import MODES
from alpha_arena.cli.app import app
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.fake_llm import FakeLlmServer
from tests.support.sample import sample_subset

FILES = ["binance_usdm_BTCUSDT_1h.csv.gz"]
HOLD = json.dumps({"reasoning": "wait", "decisions": [{"coin": "BTC", "signal": "hold"}]})


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        context = open_context(settings_for(url))
        load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
        context.close()
        yield url


@pytest.fixture
def llm(database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeLlmServer]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARENA_DATABASE_URL", database)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    with FakeLlmServer() as server:
        monkeypatch.setenv("ARENA_LLM_BASE_URL", server.openai_base_url)
        monkeypatch.setenv("ARENA_LLM_MAX_RETRIES", "0")
        yield server


def test_the_modes_are_listed_with_their_prompt_and_a_line_each(llm: FakeLlmServer) -> None:
    listed = invoke("agent", "modes", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [row["mode"] for row in rows] == [
        "baseline", "situational_awareness", "max_leverage", "capital_preservation",
    ]  # fmt: skip
    assert rows[0]["prompt"] == "alpha_arena_trader"
    assert all(row["description"] and "\n" not in row["description"] for row in rows)
    table = invoke("agent", "modes")
    assert table.exit_code == 0 and "situational_awareness" in table.stdout

    prompts = json.loads(invoke("prompt", "list", "--json").stdout)
    shipped = {p["name"]: p["description"] for p in prompts}
    for mode in MODES.values():
        assert mode.prompt in shipped
    assert shipped["max_leverage"] == f"mode: {MODES['max_leverage'].description}"


def test_an_agent_added_with_a_mode_trades_by_its_prompt_and_sees_itself_ranked(
    llm: FakeLlmServer,
) -> None:
    name = f"aware-{id(llm)}"
    added = invoke("agent", "add", name, "--provider", "openai", "--model", "gpt-test",
                   "--mode", "situational_awareness", "--json")  # fmt: skip
    assert added.exit_code == 0, added.output
    config = json.loads(added.stdout)["config"]
    assert config["kind"] == "llm" and config["prompt"] == "situational_awareness"

    llm.reply(HOLD)
    decided = invoke("agent", "decide", name, "--at", "2025-03-01T12:00", "--symbols",
                     "BTC/USDT:USDT", "--llm-cache", "off", "--json")  # fmt: skip
    assert decided.exit_code == 0, decided.output
    system, user = (m["content"] for m in llm.received[0].body["messages"])
    assert "Competition mode: situational awareness." in system
    assert user.endswith(f"1. {name} (you): return 0.00%, account value 10000.00\n")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--mode", "yolo"), "unknown mode 'yolo'; accepted: baseline, situational_awareness, "
                             "max_leverage, capital_preservation"),
        (("--mode", "max_leverage", "--kind", "strategy"), "--mode chooses an llm agent's prompt"),
        (("--mode", "baseline", "--set", "prompt=mine"), "--mode sets the prompt"),
        (("--mode", "baseline", "--from-backtest", "1"), "--mode chooses an llm agent's prompt"),
    ],
)  # fmt: skip
def test_a_bad_mode_is_one_line(llm: FakeLlmServer, args: tuple[str, ...], says: str) -> None:
    result = invoke("agent", "add", f"bad-mode-{id(args)}", "--provider", "openai",
                    "--model", "gpt-test", *args)  # fmt: skip
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], result.stderr
    assert invoke("agent", "show", f"bad-mode-{id(args)}").exit_code != 0  # nothing registered
