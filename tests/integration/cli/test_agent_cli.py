"""``arena agent`` end to end: a strategy agent and an LLM trader on the stored data, the LLM
behind a loopback server speaking the OpenAI protocol to the official SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.core.time import HOUR_MS, to_iso
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
                   "--model", "gpt-test", "--set", "input_usd_per_mtok=0.5",
                   "--set", "output_usd_per_mtok=1.5")  # fmt: skip
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
    assert fresh[-1].cost_usd == pytest.approx((2000 * 0.5 + 300 * 1.5) / 1e6)  # its own price
    assert fresh[-1].parsed_decision is not None
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


def test_without_a_moment_an_agent_decides_at_the_newest_stored_close(
    llm: FakeLlmServer, database: str
) -> None:
    name = f"ema-now-{id(llm)}"
    assert (
        invoke("agent", "add", name, "--kind", "strategy", "--strategy", "ema_trend").exit_code == 0
    )
    result = invoke("agent", "decide", name, "--json")  # no --at, no --symbols

    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    context = open_context(settings_for(database))
    try:
        last_open = int(context.market.read_candles("binance", "BTC/USDT:USDT", "1h").ts[-1])
    finally:
        context.close()
    assert outcome["ts"] == to_iso(last_open + HOUR_MS)  # the newest bar's close
    assert [item["symbol"] for item in outcome["actions"]] == ["BTC/USDT:USDT"]  # stored
    assert (outcome["llm_calls"], outcome["cost_usd"]) == (0, 0.0)


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


# -- reading agents: tables and JSON, never Python reprs ---------------------------------------


def test_agents_are_listed_and_shown_as_tables_and_json(llm: FakeLlmServer) -> None:
    name = f"shown-{id(llm)}"
    assert invoke("agent", "add", name, "--kind", "strategy", "--strategy", "ema_trend",
                  "--param", "fast=12", "--param", "slow=26").exit_code == 0  # fmt: skip
    listed = invoke("agent", "list", "--json")
    assert listed.exit_code == 0, listed.output
    [agent] = [a for a in json.loads(listed.stdout) if a["name"] == name]
    assert agent["config"]["params"] == {"fast": "12", "slow": "26"} and agent["enabled"]
    shown = invoke("agent", "show", name, "--json")
    assert json.loads(shown.stdout) == {**agent, "model_versions": []}  # it made no LLM call

    for result in (invoke("agent", "list"), invoke("agent", "show", name)):
        assert result.exit_code == 0, result.output
        assert "{" not in result.stdout and "'" not in result.stdout  # no dict reprs
    table = invoke("agent", "list").stdout
    row = next(line for line in table.splitlines() if name in line)
    assert "strategy=ema_trend" in row and "fast=12 slow=26" in row
    assert "ema_trend" in invoke("agent", "show", name).stdout


def test_a_disabled_agent_joins_no_new_season_until_enabled_again(llm: FakeLlmServer) -> None:
    name = f"toggled-{id(llm)}"
    assert invoke("agent", "add", name, "--kind", "strategy", "--strategy", "ema_trend"
                  ).exit_code == 0  # fmt: skip
    season = ("season", "create", "--name", name, "--symbols", "BTC/USDT:USDT", "--start",
              "2025-03-01", "--end", "2025-03-02", "--agents", name)  # fmt: skip

    off = invoke("agent", "disable", name)
    assert off.exit_code == 0 and "disabled" in off.stdout, off.output
    assert json.loads(invoke("agent", "show", name, "--json").stdout)["enabled"] is False
    refused = invoke(*season)
    assert refused.exit_code == 2 and "is disabled" in refused.stderr, refused.output

    on = invoke("agent", "enable", name)
    assert on.exit_code == 0 and f"agent {name} is enabled" in on.stdout, on.output
    assert invoke(*season).exit_code == 0
    unknown = invoke("agent", "disable", "nobody-at-all")
    assert unknown.exit_code == 2 and "no agent named 'nobody-at-all'" in unknown.stderr


def test_delete_removes_an_agent_that_never_competed_and_refuses_one_that_did(
    llm: FakeLlmServer,
) -> None:
    fresh, competed = f"fresh-{id(llm)}", f"competed-{id(llm)}"
    for name in (fresh, competed):
        assert invoke("agent", "add", name, "--kind", "strategy", "--strategy", "ema_trend"
                      ).exit_code == 0  # fmt: skip
    assert invoke("season", "create", "--name", competed, "--symbols", "BTC/USDT:USDT",
                  "--start", "2025-03-01", "--end", "2025-03-02", "--agents", competed
                  ).exit_code == 0  # fmt: skip

    deleted = invoke("agent", "delete", fresh)
    assert deleted.exit_code == 0 and f"agent {fresh} is deleted" in deleted.stdout, deleted.output
    assert invoke("agent", "show", fresh).exit_code == 2
    refused = invoke("agent", "delete", competed)
    assert refused.exit_code == 2, refused.output
    assert "competed in 1 season" in refused.stderr
    assert f"arena agent disable {competed}" in refused.stderr and "Traceback" not in refused.output
    assert invoke("agent", "show", competed).exit_code == 0
    unknown = invoke("agent", "delete", "nobody-at-all")
    assert unknown.exit_code == 2 and "no agent named 'nobody-at-all'" in unknown.stderr


# -- agent decide: only moments the stored data can answer -------------------------------------


@pytest.mark.parametrize(
    ("at", "says"),
    [
        ("2030-01-01", "is in the future"),
        # The BTC perpetual's bundled 1h bars end 2026-05-17 07:00.
        ("2026-05-20", "after the stored 1h data of BTC/USDT:USDT, whose last bar opened "
                       "2026-05-17T07:00"),
    ],
)  # fmt: skip
def test_a_moment_the_data_cannot_answer_is_refused(llm: FakeLlmServer, at: str, says: str) -> None:
    name = f"when-{id(llm)}-{at}"
    assert invoke("agent", "add", name, "--kind", "strategy", "--strategy", "ema_trend"
                  ).exit_code == 0  # fmt: skip
    result = invoke("agent", "decide", name, "--at", at, "--symbols", "BTC/USDT:USDT")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], result.stderr


def test_the_bar_after_the_last_one_is_still_a_moment_to_decide_at(llm: FakeLlmServer) -> None:
    name = f"edge-{id(llm)}"
    assert invoke("agent", "add", name, "--kind", "strategy", "--strategy", "ema_trend"
                  ).exit_code == 0  # fmt: skip
    # The last bar opened 07:00 and closed 08:00; one bar later is 09:00.
    assert invoke("agent", "decide", name, "--at", "2026-05-17T09:00", "--symbols",
                  "BTC/USDT:USDT").exit_code == 0  # fmt: skip
    late = invoke("agent", "decide", name, "--at", "2026-05-17T09:01", "--symbols",
                  "BTC/USDT:USDT")  # fmt: skip
    assert late.exit_code == 2 and "after the stored 1h data" in late.stderr


# -- prompts: validated when added, rolled back as a new version --------------------------------


def _template(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("no separator at all {{ now }}", "separated by the line '----- user -----'"),
        ("sys\n----- user -----\n{% for coin in context.coins %}", "does not parse (user part"),
        ("sys {{ now\n----- user -----\nhi", "does not parse (system part, line 1)"),
        ("sys\n----- user -----\n{{ portfolio_value }}", "'portfolio_value' is undefined"),
        ("\n----- user -----\n{{ now }}", "system part is empty"),
    ],
)
def test_a_template_that_would_break_an_agent_is_refused_in_one_line(
    llm: FakeLlmServer, tmp_path: Path, text: str, says: str
) -> None:
    name = f"broken-{abs(hash(text))}"
    result = invoke("prompt", "add", name, "--file", str(_template(tmp_path / "t.j2", text)))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], result.stderr
    assert invoke("prompt", "show", name).exit_code == 2  # nothing was stored


def test_an_llm_agent_naming_no_stored_prompt_is_refused(llm: FakeLlmServer) -> None:
    result = invoke("agent", "add", f"promptless-{id(llm)}", "--kind", "llm", "--provider",
                    "openai", "--model", "gpt-test", "--set", "prompt=never_added")  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "prompt 'never_added' is not stored" in result.stderr
    assert "arena prompt add never_added" in result.stderr


def test_a_rollback_adds_a_version_and_a_pinned_season_keeps_what_it_ran(
    llm: FakeLlmServer, tmp_path: Path, database: str
) -> None:
    from alpha_arena.agents.llm.prompts import default_template

    prompt, agent = f"rolled-{id(llm)}", f"rolled-agent-{id(llm)}"
    first = default_template().replace("You are", "You, version one, are", 1)
    second = default_template().replace("You are", "You, version two, are", 1)
    assert first != second != default_template()
    for text in (first, second):
        added = invoke("prompt", "add", prompt, "--file", str(_template(tmp_path / "p.j2", text)))
        assert added.exit_code == 0, added.output
    assert invoke("agent", "add", agent, "--kind", "llm", "--provider", "openai", "--model",
                  "gpt-roll", "--set", f"prompt={prompt}").exit_code == 0  # fmt: skip
    created = invoke("season", "create", "--name", prompt, "--symbols", "BTC/USDT:USDT",
                     "--start", "2025-03-01T00:00", "--end", "2025-03-01T03:00", "--agents",
                     agent, "--no-baselines", "--json")  # fmt: skip
    assert created.exit_code == 0, created.output
    season = str(json.loads(created.stdout)["id"])
    ran = invoke("season", "run", season, "--json")
    assert ran.exit_code == 0 and json.loads(ran.stdout)["ticks_done"] == 3, ran.output
    assert all("version two" in request.body["messages"][0]["content"]
               for request in llm.received)  # fmt: skip

    rolled = invoke("prompt", "rollback", prompt, "--to", "1")
    assert rolled.exit_code == 0, rolled.output
    assert f"{prompt} is at version 3" in rolled.stdout and "rollback to v1" in rolled.stdout
    versions = [p for p in json.loads(invoke("prompt", "list", "--json").stdout)
                if p["name"] == prompt]  # fmt: skip
    assert [(p["version"], p["description"]) for p in versions] == [
        (1, ""),
        (2, ""),
        (3, "rollback to v1"),
    ]
    assert versions[2]["sha256"] == versions[0]["sha256"] != versions[1]["sha256"]
    shown = invoke("prompt", "show", prompt).stdout
    assert "version one" in shown and "version two" not in shown
    # The season ran version 2 and still says so; its ledger did not move.
    entry = json.loads(invoke("season", "show", season, "--json").stdout)["entries"][0]
    assert entry["config"]["pinned"]["prompt_version"] == 2
    again = invoke("prompt", "rollback", prompt, "--to", "3")
    assert again.exit_code == 2 and "nothing to roll back" in again.stderr
    missing = invoke("prompt", "rollback", prompt, "--to", "9")
    assert missing.exit_code == 2 and "no version 9" in missing.stderr


def test_the_cache_modes_offered_are_the_callers() -> None:
    from typing import get_args

    from alpha_arena.agents.llm.caller import CacheMode
    from alpha_arena.cli.agent import CacheModeName

    assert get_args(CacheModeName) == tuple(mode.value for mode in CacheMode)
