"""The LLM trader end to end through the official OpenAI SDK and a loopback server: every kind
of answer ends in a valid decision or a recorded invalid one; none crashes, none trades outside
the schema; a cache replay is exact and makes no request."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from alpha_arena.agents.context import AccountContext, CoinContext, DecisionContext
from alpha_arena.agents.llm.caller import CacheMode
from alpha_arena.agents.llm.prompts import default_template
from alpha_arena.agents.llm.providers import create_provider
from alpha_arena.agents.llm.trader import LlmTrader, TraderOutcome, TraderSettings
from alpha_arena.core.clock import SimClock
from alpha_arena.domain.decisions import Signal
from tests.support.fake_llm import FakeAnswer, FakeLlmServer

TS = 1_740_830_400_000
COIN = CoinContext(
    symbol="BTC/USDT:USDT", ts_last_close=TS, price=84_593.6, closes=(84_848.5, 84_593.6),
    ema20=(84_450.9, 84_464.4), macd=(599.5, 534.2), rsi7=(50.9, 46.4), rsi14=(55.0, 52.8),
    higher=None, funding_rate=-0.00006, open_interest=None,
)  # fmt: skip
CONTEXT = DecisionContext(
    TS, "1h", (COIN,), AccountContext(10_000.0, 10_000.0, 10_000.0, 0.0, None, 0.0005, ())
)
ENTRY = {"coin": "BTC", "signal": "buy_to_enter", "quantity": 0.01, "leverage": 3,
         "profit_target": 95000, "stop_loss": 80000, "invalidation_condition": "below 80k",
         "confidence": 0.6, "justification": "trend"}  # fmt: skip
VALID = json.dumps({"reasoning": "up", "decisions": [ENTRY]})


class MemoryCache:
    """A working in-memory response cache (the ResponseCache port)."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    def get(self, request_hash: str) -> dict[str, Any] | None:
        return self.entries.get(request_hash)

    def put(
        self, request_hash: str, provider: str, model: str, response: dict[str, Any], ts: int
    ) -> None:
        self.entries.setdefault(request_hash, response)


@pytest.fixture
def server() -> Iterator[FakeLlmServer]:
    with FakeLlmServer() as fake:
        yield fake


def decide(
    server: FakeLlmServer,
    cache: MemoryCache | None = None,
    mode: CacheMode = CacheMode.OFF,
    **provider_options: Any,
) -> TraderOutcome:
    async def run() -> TraderOutcome:
        provider = create_provider(
            "deepseek", base_url=server.openai_base_url, api_key="k", backoff_s=0.0,
            **{"max_retries": 1, "timeout_s": 2.0, **provider_options},
        )  # fmt: skip
        settings = TraderSettings("deepseek", "deepseek-chat", default_template())
        try:
            return await LlmTrader(settings, provider, cache, mode, SimClock(TS)).decide(CONTEXT)
        finally:
            await provider.aclose()

    return asyncio.run(run())


@pytest.mark.parametrize(
    "answer",
    [
        VALID,
        f"```json\n{VALID}\n```",
        f"Here is my plan.\n{VALID}\nGood luck!",
        f"<think>BTC looks strong, RSI is fine</think>\n{VALID}",
    ],
    ids=["plain", "fenced", "prose", "reasoning-model"],
)
def test_a_valid_answer_in_any_wrapping_becomes_the_decision(
    server: FakeLlmServer, answer: str
) -> None:
    server.reply(FakeAnswer(answer, input_tokens=1500, output_tokens=200))
    outcome = decide(server)
    assert outcome.valid
    [action] = outcome.decision.actions
    assert action.symbol == "BTC/USDT:USDT"
    assert (action.signal, action.quantity) == (Signal.BUY_TO_ENTER, 0.01)
    [call] = outcome.calls
    assert call.parsed_decision is not None and call.error is None
    assert (call.input_tokens, call.output_tokens) == (1500, 200)
    assert call.cost_usd == pytest.approx((1500 * 0.28 + 200 * 0.42) / 1e6)


@pytest.mark.parametrize(
    "answer",
    [
        '{"decisions": [{"coin": "BTC", "signal": "buy_to_enter"',  # malformed JSON
        json.dumps({"decisions": [{**ENTRY, "quantity": "lots"}]}),  # wrong type
        json.dumps({"decisions": [{**ENTRY, "coin": "PEPE"}]}),  # unknown symbol
        json.dumps({"decisions": [{**ENTRY, "leverage": float("inf")}]}).replace(
            "Infinity", "1e999"
        ),  # absurd leverage
        "",  # nothing at all
    ],
    ids=["malformed", "wrong-type", "unknown-symbol", "infinite-leverage", "empty"],
)
def test_a_bad_answer_gets_one_repair_then_is_recorded_invalid_and_holds(
    server: FakeLlmServer, answer: str
) -> None:
    server.reply(answer, answer)
    outcome = decide(server)
    assert not outcome.valid
    assert outcome.decision.actions == ()
    assert server.count == 2  # the answer and exactly one repair round-trip
    assert all(call.parsed_decision is None and call.error for call in outcome.calls)
    assert "invalid model output" in outcome.decision.reasoning


def test_a_bad_answer_repaired_on_the_second_try_is_valid(server: FakeLlmServer) -> None:
    server.reply("not json at all", VALID)
    outcome = decide(server)
    assert outcome.valid and len(outcome.calls) == 2
    assert outcome.calls[0].error and outcome.calls[1].parsed_decision is not None


def test_a_429_then_success_is_retried(server: FakeLlmServer) -> None:
    server.fail_next(429)
    server.reply(VALID)
    outcome = decide(server)
    assert outcome.valid and server.count == 2


def test_a_persistent_500_is_a_recorded_failure_and_a_hold(server: FakeLlmServer) -> None:
    server.fail_next(500, count=10)
    outcome = decide(server)
    assert not outcome.valid and outcome.decision.actions == ()
    assert "500" in (outcome.calls[-1].error or "")


def test_an_answer_slower_than_the_timeout_is_a_hold(server: FakeLlmServer) -> None:
    server.delay_s = 1.0
    server.reply(VALID)
    outcome = decide(server, timeout_s=0.2, max_retries=0)
    assert not outcome.valid and outcome.decision.actions == ()


def test_a_cache_replay_is_exact_and_makes_no_request(server: FakeLlmServer) -> None:
    cache = MemoryCache()
    server.reply(VALID)
    first = decide(server, cache, CacheMode.READWRITE)
    assert server.count == 1
    replay = decide(server, cache, CacheMode.READ)
    assert server.count == 1  # no request
    assert replay.decision == first.decision
    assert replay.calls[0].raw_response == first.calls[0].raw_response
    assert replay.calls[0].cached and replay.calls[0].cost_usd == 0


def test_read_mode_with_an_empty_cache_holds_without_a_request(server: FakeLlmServer) -> None:
    outcome = decide(server, MemoryCache(), CacheMode.READ)
    assert not outcome.valid and server.count == 0
    assert "not in the response cache" in (outcome.calls[0].error or "")
