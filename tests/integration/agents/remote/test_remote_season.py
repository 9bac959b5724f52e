"""Remote agents in replay seasons, on SQLite and PostgreSQL: the example bot answers over
loopback HTTP and trades; a slow bot is held at its deadline and a garbled answer is an
invalid decision, each recorded as an LLM call of provider "remote"; a replay of the season
asks the bot nothing and arrives at the identical ledger; in an anonymized season the bot is
shown the masked market and its trades land on the real one."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from alpha_arena.core.clock import SimClock
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.domain.decisions import DecisionOutcome
from alpha_arena.services import seasons
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.remote_agents import add_remote_agent
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.season_store import SeasonStore
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.remote_bot import Answer, ScriptedBot, example_bot, serving
from tests.support.sample import sample_subset

BTC = "BTC/USDT:USDT"
FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]
MASTER_KEY = Fernet.generate_key().decode()


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        context = open_context(settings_for(url))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
        finally:
            context.close()
        yield url


@pytest.fixture
def context(loaded: str) -> Iterator[AppContext]:
    settings = Settings(_env_file=None, database_url=loaded, secret_key=SecretStr(MASTER_KEY))
    opened = open_context(settings, clock=SimClock(parse_ts("2026-01-01")))
    try:
        yield opened
    finally:
        opened.close()


def season_values(name: str, agent: str, hours: int) -> dict[str, Any]:
    return {"name": name, "symbols": [BTC], "start": parse_ts("2024-06-03"),
            "end": parse_ts("2024-06-03") + hours * 3_600_000, "participants": [agent]}  # fmt: skip


def entry_of(store: SeasonStore, season_id: int, name: str) -> Any:
    return next(entry for entry in store.entries(season_id) if entry.name == name)


def test_the_example_bot_trades_in_a_season_and_its_replay_asks_it_nothing(
    context: AppContext,
) -> None:
    with example_bot("placeholder") as (bot, url):
        registered = add_remote_agent(context, "ema-bot-" + url.rsplit(":", 1)[1][:5],
                                      {"kind": "remote", "url": url})  # fmt: skip
        bot.secret = registered.secret  # type: ignore[attr-defined]
        name = registered.agent.name
        values = season_values("byo", name, 48)
        store = SeasonStore(context.engine)

        # Stopped and resumed: the resumed runner re-executes the stored ticks from the cache.
        first = seasons.create_season(context, values)
        seasons.run_season(context, first.id, stop_after=20)
        seasons.run_season(context, first.id)
        asked = bot.requests  # type: ignore[attr-defined]
        entry = entry_of(store, first.id, name)
        decisions = store.decisions(entry.id)
        assert asked == len(decisions) == 48
        assert {row["outcome"] for row in decisions} == {DecisionOutcome.VALID}
        fills = store.fills(entry.id)
        assert len(fills) >= 2, "the bot's entries and exits did not trade"
        calls = [call for _, call in store.llm_calls(entry.id)]
        assert len(calls) == 48
        assert {(c.provider, c.model, c.cost_usd, c.error) for c in calls} == {
            ("remote", url.split("/")[2], 0.0, None)
        }
        sent = json.loads(calls[0].messages[0]["content"])
        assert sent["version"] == 1 and sent["context"]["coins"][0]["symbol"] == BTC
        assert registered.secret not in json.dumps([c.messages for c in calls])

        again = seasons.create_season(context, values)
        seasons.run_season(context, again.id)
        assert bot.requests == asked, "the replay asked the bot"  # type: ignore[attr-defined]
        assert store.ledger_hash(again.id) == store.ledger_hash(first.id)
        replayed = [call for _, call in store.llm_calls(entry_of(store, again.id, name).id)]
        assert len(replayed) == 48 and all(call.cached for call in replayed)


HOLD = json.dumps({"decisions": [{"coin": "BTC", "signal": "hold"}]}).encode()


def kind_of(body: str | bytes) -> int:
    """By the decision's hour, in turn (the same answer to a repeated request): 0 answers after
    5 s (past the 1 s deadline), 1 garbage, 2 a valid hold."""
    return int(json.loads(body)["context"]["ts"]) // 3_600_000 % 3


def script(body: bytes) -> Answer:
    kind = kind_of(body)
    if kind == 0:
        return 200, HOLD, 5.0
    if kind == 1:
        return 200, b'{"decisions": [{"coin": "BTC", "signal": "moon"', 0.0
    return 200, HOLD, 0.0


def test_a_slow_bot_is_held_at_its_deadline_and_garbage_is_an_invalid_decision(
    context: AppContext,
) -> None:
    bot = ScriptedBot(script)
    with serving(bot) as url:
        name = "scripted-bot-" + url.rsplit(":", 1)[1][:5]
        add_remote_agent(context, name, {"kind": "remote", "url": url, "deadline_s": 1})
        values = season_values("slow", name, 9)
        store = SeasonStore(context.engine)
        first = seasons.create_season(context, values)
        seasons.run_season(context, first.id)
        entry = entry_of(store, first.id, name)
        decisions = store.decisions(entry.id)
        assert len(decisions) == 9  # the season went on past every miss
        kinds = [kind_of(call.messages[0]["content"]) for _, call in store.llm_calls(entry.id)]
        expected = Counter({0: DecisionOutcome.DEADLINE, 1: DecisionOutcome.INVALID,
                            2: DecisionOutcome.VALID}[k] for k in kinds)  # fmt: skip
        assert Counter(DecisionOutcome(row["outcome"]) for row in decisions) == expected
        assert expected[DecisionOutcome.DEADLINE] and expected[DecisionOutcome.INVALID]
        calls = [call for _, call in store.llm_calls(entry.id)]
        for kind, call, row in zip(kinds, calls, decisions, strict=True):
            if kind == 0:
                assert call.error is not None and call.error.startswith("deadline")
                assert row["reasoning"] == "missed the 1 s deadline: hold"
                assert 900 < call.latency_ms < 3_000
            elif kind == 1:
                assert call.error is not None and call.error.startswith("invalid answer")
                assert row["actions"] == [] and "unterminated JSON" in row["reasoning"]
            else:
                assert call.error is None and call.parsed_decision is not None
        asked = bot.requests

        again = seasons.create_season(context, values)
        seasons.run_season(context, again.id)
        assert bot.requests == asked, "the replay asked the bot"
        assert store.ledger_hash(again.id) == store.ledger_hash(first.id)
        replayed = store.decisions(entry_of(store, again.id, name).id)
        assert [row["outcome"] for row in replayed] == [row["outcome"] for row in decisions]


def test_in_an_anonymized_season_the_bot_sees_the_masked_market_and_trades_the_real_one(
    context: AppContext,
) -> None:
    with example_bot("placeholder") as (bot, url):
        name = "masked-bot-" + url.rsplit(":", 1)[1][:5]
        registered = add_remote_agent(context, name, {"kind": "remote", "url": url})
        bot.secret = registered.secret  # type: ignore[attr-defined]
        store = SeasonStore(context.engine)
        masked = seasons.create_season(
            context, {**season_values("masked", name, 48), "anonymize": True}
        )
        seasons.run_season(context, masked.id)
        plain = seasons.create_season(context, season_values("plain", name, 48))
        seasons.run_season(context, plain.id)
        assert bot.requests == 96  # type: ignore[attr-defined]

        entry = entry_of(store, masked.id, name)
        bodies = [json.loads(call.messages[0]["content"]) for _, call in store.llm_calls(entry.id)]
        real = store.decisions(entry_of(store, plain.id, name).id)
        for body, decision in zip(bodies, real, strict=True):
            text = json.dumps(body)
            assert isinstance(decision["ts"], int) and body["context"]["ts"] != decision["ts"]
            assert "BTC" not in text and str(decision["ts"]) not in text
            (coin,) = body["context"]["coins"]
            assert coin["symbol"].startswith("COIN-")
        fills = store.fills(entry.id)
        plain_fills = store.fills(entry_of(store, plain.id, name).id)
        assert len(fills) == len(plain_fills) >= 2  # the same rule, the same trades
        for fill, twin in zip(fills, plain_fills, strict=True):
            assert fill.symbol == BTC and abs(fill.price / twin.price - 1) < 1e-9
