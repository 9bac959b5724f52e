"""A remote trader against a scripted loopback bot, without a season: what each failure of
the bot is recorded as (HTTP status, refused connection, oversized or garbled answer), never
with the secret in it; an entry's leverage clamped to the agent's cap."""

from __future__ import annotations

import asyncio
import json
import socket

from alpha_arena.agents.context import AccountContext, CoinContext, DecisionContext
from alpha_arena.agents.llm.caller import CacheMode
from alpha_arena.agents.llm.trader import TraderOutcome
from alpha_arena.agents.remote.endpoint import MAX_ANSWER_BYTES, RemoteEndpoint
from alpha_arena.agents.remote.signing import new_secret
from alpha_arena.agents.remote.trader import RemoteTrader
from alpha_arena.core.clock import SimClock
from alpha_arena.domain.decisions import DecisionOutcome, Signal
from tests.support.remote_bot import Answer, ScriptedBot, serving

BTC = "BTC/USDT:USDT"
SECRET = new_secret()
TS = 1_717_400_000_000


def context() -> DecisionContext:
    coin = CoinContext(BTC, TS, 67_000.0, (67_000.0,), (66_000.0,), (1.0,), (50.0,), (50.0,),
                       None, None, None)  # fmt: skip
    account = AccountContext(10_000.0, 10_000.0, 10_000.0, 0.0, None, 0.0005, ())
    return DecisionContext(TS, "1h", (coin,), account)


def ask(url: str, max_leverage: float = 10.0) -> TraderOutcome:
    async def run() -> TraderOutcome:
        endpoint = RemoteEndpoint("bot", url, SECRET, 2.0)
        trader = RemoteTrader(url, endpoint, None, CacheMode.OFF, SimClock(TS), 2.0,
                              max_leverage)  # fmt: skip
        try:
            return await trader.decide(context())
        finally:
            await endpoint.aclose()

    return asyncio.run(run())


def answered(answer: Answer) -> TraderOutcome:
    with serving(ScriptedBot(lambda _: answer)) as url:
        return ask(url)


def test_an_http_error_is_an_invalid_hold_recorded_without_the_secret() -> None:
    outcome = answered((500, f"boom: secret={SECRET} leaked".encode(), 0.0))
    assert outcome.decision.outcome is DecisionOutcome.INVALID and outcome.decision.actions == ()
    (call,) = outcome.calls
    assert call.error is not None and "answered HTTP 500: boom" in call.error
    assert SECRET not in call.error and SECRET[:12] not in call.error
    assert SECRET not in outcome.decision.reasoning
    assert (call.provider, call.cost_usd, call.raw_response) == ("remote", 0.0, None)


def test_a_refused_connection_is_an_invalid_hold() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = ask(f"http://127.0.0.1:{port}/decide")
    assert outcome.decision.outcome is DecisionOutcome.INVALID
    assert (
        outcome.calls[0].error is not None and "remote agent at 127.0.0.1" in outcome.calls[0].error
    )


def test_an_oversized_answer_is_refused() -> None:
    outcome = answered((200, b" " * (MAX_ANSWER_BYTES + 1), 0.0))
    assert outcome.decision.outcome is DecisionOutcome.INVALID
    assert "at most 1,000,000" in (outcome.calls[0].error or "")


def test_an_entry_above_the_leverage_cap_is_clamped_and_recorded_parsed() -> None:
    decision = {"decisions": [{"coin": "BTC", "signal": "long", "notional": 500, "leverage": 50}]}
    outcome = answered((200, json.dumps(decision).encode(), 0.0))
    assert outcome.valid and outcome.decision.outcome is DecisionOutcome.VALID
    (action,) = outcome.decision.actions
    assert (action.symbol, action.signal, action.leverage) == (BTC, Signal.BUY_TO_ENTER, 10.0)
    (call,) = outcome.calls
    assert call.error is None and call.parsed_decision is not None
    assert call.parsed_decision["actions"][0]["leverage"] == 10.0
