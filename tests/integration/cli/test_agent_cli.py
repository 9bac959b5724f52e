"""``arena agent`` end to end: a strategy agent and an LLM trader on the stored data, the LLM
behind a loopback server speaking the OpenAI protocol to the official SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.llm_store import LlmCallStore
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.fake_llm import FakeAnswer, FakeLlmServer
from tests.support.sample import sample_subset

FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]
AT = "2025-03-01T12:00"
GOOD = json.dumps({
    "reasoning": "trend is up",
    "decisions": [{"coin": "BTC", "signal": "buy_to_enter", "quantity": 0.01, "leverage": 3,
                   "profit_target": 95000, "stop_loss": 80000,
                   "invalidation_condition": "4h close below 80000", "confidence": 0.7,
                   "justification": "EMA20 above EMA50"}],
})  # fmt: skip


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


def decide(name: str, *extra: str) -> dict[str, object]:
    result = invoke("agent", "decide", name, "--at", AT, "--symbols", "BTC/USDT:USDT",
                    "--json", *extra)  # fmt: skip
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_an_llm_trader_decides_is_audited_and_replays_from_the_cache(
    llm: FakeLlmServer, database: str
) -> None:
    name = f"gpt-{id(llm)}"
    added = invoke("agent", "add", name, "--kind", "llm", "--provider", "openai",
                   "--model", "gpt-test")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "sk-test" not in added.output
    llm.reply(FakeAnswer(GOOD, input_tokens=2000, output_tokens=300))

    first = decide(name, "--llm-cache", "readwrite")
    assert first["valid"] is True
    [action] = first["actions"]  # type: ignore[misc]
    assert action["symbol"] == "BTC/USDT:USDT" and action["signal"] == "buy_to_enter"
    assert action["stop_loss"] == 80000 and action["confidence"] == 0.7
    assert llm.count == 1
    prompt = llm.received[0].body["messages"][1]["content"]
    assert "=== BTC/USDT:USDT ===" in prompt and "OLDEST to NEWEST" in prompt

    replay = decide(name, "--llm-cache", "read")
    assert llm.count == 1  # no request: the answer came from the cache
    assert replay["actions"] == first["actions"]

    context = open_context(settings_for(database))
    try:
        calls = [c for c in LlmCallStore(context.engine).calls() if c.model == "gpt-test"]
    finally:
        context.close()
    fresh = [c for c in calls if not c.cached]
    assert fresh and fresh[-1].input_tokens == 2000 and fresh[-1].output_tokens == 300
    assert fresh[-1].cost_usd > 0 and fresh[-1].parsed_decision is not None
    assert any(c.cached and c.cost_usd == 0 for c in calls)


def test_garbage_output_gets_one_repair_round_trip_then_holds_as_invalid(
    llm: FakeLlmServer,
) -> None:
    name = f"gpt-bad-{id(llm)}"
    assert invoke("agent", "add", name, "--kind", "llm", "--provider", "openai",
                  "--model", "gpt-garbage").exit_code == 0  # fmt: skip
    llm.reply("I think BTC goes up!", '{"decisions": [{"coin": "BTC", "signal": "moon"}]}')

    outcome = decide(name, "--llm-cache", "off")

    assert outcome["valid"] is False and outcome["actions"] == []
    assert "invalid model output" in str(outcome["reasoning"])
    assert llm.count == 2  # the answer and one repair attempt, no more
    repair = llm.received[1].body["messages"][-1]["content"]
    assert "signal" in repair


def test_a_strategy_agent_decides_from_its_rule(llm: FakeLlmServer) -> None:
    name = f"ema-{id(llm)}"
    assert invoke("agent", "add", name, "--kind", "strategy", "--strategy", "ema_trend",
                  "--param", "fast=12", "--param", "slow=26").exit_code == 0  # fmt: skip
    outcome = decide(name)
    [action] = outcome["actions"]  # type: ignore[misc]
    assert action["signal"] in ("buy_to_enter", "sell_to_enter")
    assert str(action["justification"]).startswith("ema_trend: EMA12")
    assert llm.count == 0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--kind", "llm", "--provider", "openai"), "model"),
        (("--kind", "strategy", "--strategy", "nope"), "unknown strategy 'nope'"),
        (("--kind", "robot"), "kind"),
        (("--kind", "llm", "--provider", "skynet", "--model", "t-800"), "unknown LLM provider"),
        (("--kind", "strategy", "--strategy", "ema_trend", "--param", "fast=40"), "fast (40)"),
    ],
)
def test_bad_agent_configurations_are_one_line(
    llm: FakeLlmServer, args: tuple[str, ...], fragment: str
) -> None:
    result = invoke("agent", "add", f"bad-{id(args)}", *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_the_portfolio_agent_learns_from_stored_backtests(llm: FakeLlmServer) -> None:
    name = f"portfolio-{id(llm)}"
    assert invoke("agent", "add", name, "--kind", "portfolio", "--set", "top_n=2").exit_code == 0
    for strategy in ("ema_trend", "buy_and_hold", "momentum"):
        ran = invoke("backtest", "run", "--strategy", strategy, "--symbol", "BTC/USDT:USDT",
                     "--start", "2024-01-01", "--end", "2024-07-01", "--json")  # fmt: skip
        assert ran.exit_code == 0, ran.output
    outcome = decide(name)
    actions = outcome["actions"]
    assert isinstance(actions, list) and actions, outcome  # buy_and_hold scores in some regime
    for action in actions:
        assert str(action["justification"]).startswith("regime_portfolio: regime ")
    assert llm.count == 0


def test_the_strategy_selector_decides_through_its_chosen_strategy(llm: FakeLlmServer) -> None:
    name = f"selector-{id(llm)}"
    added = invoke("agent", "add", name, "--kind", "selector", "--provider", "openai",
                   "--model", "gpt-selector")  # fmt: skip
    assert added.exit_code == 0, added.output
    llm.reply(json.dumps({"reasoning": "trend", "selections": {"BTC": "buy_and_hold"}}))
    outcome = decide(name, "--llm-cache", "off")
    assert outcome["valid"] is True and outcome["llm_calls"] == 1
    [action] = outcome["actions"]  # type: ignore[misc]
    assert action["signal"] == "buy_to_enter"
    assert action["justification"] == "selector chose buy_and_hold: target +1.00"
    system = llm.received[-1].body["messages"][0]["content"]
    assert "ema_trend" in system and "flat: stay out of the market" in system
