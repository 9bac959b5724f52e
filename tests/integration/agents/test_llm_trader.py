"""The LLM trader end to end through the official OpenAI and Anthropic SDKs and a loopback server:
every kind of answer ends in a valid, repaired or recorded invalid decision; none crashes, none
trades outside the schema; a cache replay is exact and makes no request, a call cut off at the
deadline included; the reasoning channel is kept; an unknown price is unknown; no echo of a key
reaches the audit trail."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from alpha_arena.agents.context import AccountContext, CoinContext, DecisionContext
from alpha_arena.agents.llm.caller import CacheMode
from alpha_arena.agents.llm.prompts import default_template
from alpha_arena.agents.llm.providers import (
    ModelPrice,
    ProviderSpec,
    create_provider,
    get_spec,
    with_flat_price,
)
from alpha_arena.agents.llm.trader import LlmTrader, TraderOutcome, TraderSettings
from alpha_arena.core.clock import SimClock
from alpha_arena.domain.decisions import DeadlineMissedError, DecisionOutcome, Signal
from alpha_arena.domain.llm import LlmCall
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

    def replace(self, request_hash: str, response: dict[str, Any]) -> None:
        self.entries[request_hash] = response


@pytest.fixture
def server() -> Iterator[FakeLlmServer]:
    with FakeLlmServer() as fake:
        yield fake


def decide(
    server: FakeLlmServer,
    cache: MemoryCache | None = None,
    mode: CacheMode = CacheMode.OFF,
    *,
    provider: str | ProviderSpec = "deepseek",
    model: str | None = None,
    api_key: str = "k",
    **provider_options: Any,
) -> TraderOutcome:
    spec = get_spec(provider) if isinstance(provider, str) else provider
    anthropic = spec.protocol == "anthropic_messages"

    async def run() -> TraderOutcome:
        client = create_provider(
            spec, api_key=api_key, backoff_s=0.0,
            base_url=server.anthropic_base_url if anthropic else server.openai_base_url,
            **{"max_retries": 1, "timeout_s": 2.0, **provider_options},
        )  # fmt: skip
        settings = TraderSettings(spec.name, model or spec.default_model, default_template())
        try:
            return await LlmTrader(settings, client, cache, mode, SimClock(TS)).decide(CONTEXT)
        finally:
            await client.aclose()

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
    assert outcome.valid and outcome.decision.outcome is DecisionOutcome.VALID
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
    assert not outcome.valid and outcome.decision.outcome is DecisionOutcome.INVALID
    assert outcome.decision.actions == ()
    assert server.count == 2  # the answer and exactly one repair round-trip
    assert all(call.parsed_decision is None and call.error for call in outcome.calls)
    assert "invalid model output" in outcome.decision.reasoning


def test_a_bad_answer_repaired_on_the_second_try_is_valid(server: FakeLlmServer) -> None:
    server.reply("not json at all", VALID)
    outcome = decide(server)
    assert outcome.valid and len(outcome.calls) == 2
    assert outcome.decision.outcome is DecisionOutcome.REPAIRED
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
    assert outcome.decision.outcome is DecisionOutcome.INVALID
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


# -- the reasoning channel ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "provider", ["deepseek", "anthropic"], ids=["reasoning_content", "thinking"]
)
def test_the_reasoning_channel_is_kept_in_the_audit_fresh_and_cached(
    server: FakeLlmServer, provider: str
) -> None:
    cache = MemoryCache()
    server.reply(FakeAnswer(VALID, reasoning="Funding is flat; the trend is up."))
    first = decide(server, cache, CacheMode.READWRITE, provider=provider)
    replay = decide(server, cache, CacheMode.READ, provider=provider)
    assert server.count == 1
    [fresh], [cached] = first.calls, replay.calls
    assert fresh.reasoning == cached.reasoning == "Funding is flat; the trend is up."
    assert cached.cached and fresh.raw_response == cached.raw_response


# -- prices --------------------------------------------------------------------------------------


def test_a_model_missing_from_the_price_table_has_an_unknown_cost(server: FakeLlmServer) -> None:
    server.reply(FakeAnswer(VALID, input_tokens=1500, output_tokens=200))
    [call] = decide(server, model="deepseek-v9-preview").calls
    assert call.model == "deepseek-v9-preview" and call.input_tokens == 1500
    assert call.cost_usd is None  # not the default model's price


def test_an_agents_own_price_prices_any_model(server: FakeLlmServer) -> None:
    server.reply(FakeAnswer(VALID, input_tokens=1_000_000, output_tokens=500_000))
    spec = with_flat_price(get_spec("deepseek"), ModelPrice(1.0, 2.0))
    [call] = decide(server, provider=spec, model="deepseek-v9-preview").calls
    assert call.cost_usd == pytest.approx(2.0)


# -- a call cut off at the decision deadline -----------------------------------------------------


def decide_within(
    server: FakeLlmServer,
    cache: MemoryCache,
    calls: list[LlmCall],
    deadline_s: float | None,
    wait_s: float | None,
) -> TraderOutcome:
    """Decide under ``deadline_s``, cancelled after ``wait_s`` as the engine would."""

    async def run() -> TraderOutcome:
        client = create_provider("deepseek", base_url=server.openai_base_url, api_key="k",
                                 max_retries=0, timeout_s=30.0)  # fmt: skip
        settings = TraderSettings("deepseek", "deepseek-chat", default_template())
        trader = LlmTrader(settings, client, cache, CacheMode.READWRITE, SimClock(TS),
                           deadline_s=deadline_s)  # fmt: skip
        try:
            return await asyncio.wait_for(trader.decide(CONTEXT, calls), wait_s)
        finally:
            await client.aclose()

    return asyncio.run(run())


def test_a_call_cut_off_at_the_deadline_is_recorded_and_replayed_as_cut_off(
    server: FakeLlmServer,
) -> None:
    cache = MemoryCache()
    calls: list[LlmCall] = []
    server.reply(FakeAnswer(VALID, delay_s=30.0))  # far slower than the deadline
    with pytest.raises(TimeoutError):
        decide_within(server, cache, calls, deadline_s=0.5, wait_s=0.5)
    [cut] = calls  # recorded in the trail it was given, before the cancellation went on
    assert (cut.raw_response, cut.cached) == (None, False)
    assert (cut.error or "").startswith("deadline: no answer within the 0.5 s decision deadline")
    [marker] = cache.entries.values()
    assert marker["text"] is None and marker["cut_off"]["deadline_s"] == 0.5
    assert server.count == 1

    # Under the same or a shorter deadline the cut-off is replayed: no request.
    for deadline_s in (0.5, 0.2):
        with pytest.raises(DeadlineMissedError):
            decide_within(server, cache, calls, deadline_s=deadline_s, wait_s=None)
        assert server.count == 1
        assert calls[-1].cached and calls[-1].error == cut.error

    # Under a longer deadline (or none) the model is asked; its answer joins the cut-off.
    server.reply(VALID)
    outcome = decide_within(server, cache, calls, deadline_s=60.0, wait_s=None)
    assert outcome.valid and server.count == 2
    [entry] = cache.entries.values()
    assert entry["text"] == VALID and entry["cut_off"]["deadline_s"] == 0.5
    with pytest.raises(DeadlineMissedError):  # the short-deadline run still replays as it ran
        decide_within(server, cache, calls, deadline_s=0.5, wait_s=None)
    again = decide_within(server, cache, calls, deadline_s=None, wait_s=None)
    assert again.decision == outcome.decision and server.count == 2


# -- a key echoed by the provider ------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 500])
def test_an_error_echoing_part_of_the_key_is_recorded_without_it(
    server: FakeLlmServer, status: int
) -> None:
    key = "sk-test-SECRETabc0123456789"
    server.fail_next(status, count=5, message=f"Invalid key {key[:15]}*** for this model")
    outcome = decide(server, api_key=key)
    assert not outcome.valid
    errors = " ".join(call.error or "" for call in outcome.calls) + outcome.decision.reasoning
    assert str(status) in errors
    assert key[:8] not in errors and "SECRET" not in errors
