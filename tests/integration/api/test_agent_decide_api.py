"""One-off decisions over HTTP on both databases: a rule agent decides at the newest stored
moment by default (its signal worked out by hand from the stored closes), an LLM agent against
the loopback OpenAI-compatible fake, its call recorded and priced; nothing is traded; bad
requests are one line."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from alpha_arena.storage.agent_store import AgentStore
from alpha_arena.storage.llm_store import LlmCallStore
from alpha_arena.storage.tables import SeasonOrderRow
from tests.integration.api.conftest import AUTH, BTC, ETH, assert_error
from tests.support.fake_llm import FakeAnswer, FakeLlmServer

_names = itertools.count()
KEY_ENV = "ARENA_TEST_DECIDE_KEY"
BUY = json.dumps({
    "reasoning": "trend is up",
    "decisions": [{"coin": "BTC", "signal": "buy_to_enter", "quantity": 0.01, "leverage": 3,
                   "profit_target": 95000, "stop_loss": 80000,
                   "invalidation_condition": "4h close below 80000", "confidence": 0.7,
                   "justification": "EMA20 above EMA50"}],
})  # fmt: skip


def _ema(values: np.ndarray, period: int) -> float:
    """The last value of an EMA seeded with the mean of its first ``period`` values."""
    level = float(np.mean(values[:period]))
    for value in values[period:]:
        level += 2.0 / (period + 1) * (float(value) - level)
    return level


def _decide(client: TestClient, name: str, **body: object) -> dict[str, object]:
    response = client.post(f"/api/v1/agents/{name}/decide", json=body or None, headers=AUTH)
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def test_a_rule_agent_decides_at_the_newest_stored_moment_and_trades_nothing(
    client: TestClient, market: AppContext
) -> None:
    name = f"ema-{next(_names)}"
    add_agent(market, name, {"kind": "strategy", "strategy": "ema_trend"})
    with market.engine.connect() as connection:
        orders_before = connection.execute(select(func.count()).select_from(SeasonOrderRow)).one()

    answer = _decide(client, name)

    closes = {s: market.market.read_candles("binance", s, "1h") for s in (BTC, ETH)}
    newest = min(int(candles.ts[-1]) for candles in closes.values()) + HOUR_MS
    assert (answer["ts"], answer["symbols"], answer["timeframe"]) == (newest, [BTC, ETH], "1h")
    assert (answer["valid"], answer["llm_calls"], answer["cost_usd"]) == (True, 0, 0.0)
    assert answer["prompt"] is None
    actions = {action["symbol"]: action for action in answer["actions"]}  # type: ignore[attr-defined]
    assert set(actions) == {BTC, ETH}  # a flat account: each target is an entry
    for symbol, candles in closes.items():
        # The 86 bars closed by then (warm-up 3 x 25 + 10, and the bar itself).
        closed = candles.close[candles.ts <= newest - HOUR_MS][-86:]
        fast, slow = _ema(closed, 12), _ema(closed, 26)
        expected = "buy_to_enter" if fast > slow else "sell_to_enter"
        assert actions[symbol]["signal"] == expected, (symbol, fast, slow)
        assert actions[symbol]["justification"].startswith("ema_trend: EMA12")
    with market.engine.connect() as connection:
        orders_after = connection.execute(select(func.count()).select_from(SeasonOrderRow)).one()
    assert orders_after == orders_before


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLlmServer]:
    monkeypatch.setenv(KEY_ENV, "sk-test-decide-key")
    with FakeLlmServer(api_key="sk-test-decide-key") as server:
        yield server


def test_an_llm_agent_decides_its_call_is_recorded_with_its_cost(
    client: TestClient, market: AppContext, llm: FakeLlmServer
) -> None:
    name = f"gpt-{next(_names)}"
    add_agent(market, name, {
        "kind": "llm", "provider": "openai", "model": "gpt-test", "base_url": llm.openai_base_url,
        "api_key_env": KEY_ENV, "input_usd_per_mtok": 0.5, "output_usd_per_mtok": 1.5,
    })  # fmt: skip
    llm.reply(FakeAnswer(BUY, input_tokens=2000, output_tokens=300))

    answer = _decide(client, name, at="2025-03-01T12:00", symbols=[BTC], llm_cache="write")

    assert (answer["ts"], answer["time"]) == (parse_ts("2025-03-01T12:00"), "2025-03-01T12:00:00Z")
    assert answer["valid"] is True and answer["llm_calls"] == 1
    assert answer["cost_usd"] == pytest.approx((2000 * 0.5 + 300 * 1.5) / 1e6)  # 0.00145
    actions: list[dict[str, object]] = answer["actions"]  # type: ignore[assignment]
    [action] = actions
    assert (action["symbol"], action["signal"], action["stop_loss"]) == (BTC, "buy_to_enter", 80000)
    assert action["confidence"] == 0.7 and answer["reasoning"] == "trend is up"
    assert llm.count == 1
    sent = llm.received[0].body["messages"][1]["content"]
    assert "=== BTC/USDT:USDT ===" in sent and "=== BTC/USDT:USDT ===" in str(answer["prompt"])
    agent = AgentStore(market.engine).get(name)
    [call] = LlmCallStore(market.engine).calls(agent.id)
    assert call.cost_usd == pytest.approx(answer["cost_usd"]) and call.model == "gpt-test"
    served = client.get(f"/api/v1/agents/{name}/llm-calls").json()["items"]
    assert [item["cost_usd"] for item in served] == [pytest.approx(0.00145)]

    again = _decide(client, name, at="2025-03-01T12:00", symbols=[BTC], llm_cache="read")
    assert llm.count == 1  # answered from the cache: no request, no cost
    assert again["actions"] == answer["actions"] and again["cost_usd"] == 0.0


def test_bad_requests_are_one_line(client: TestClient, market: AppContext) -> None:
    name = f"ema-{next(_names)}"
    add_agent(market, name, {"kind": "strategy", "strategy": "ema_trend"})
    url = f"/api/v1/agents/{name}/decide"

    assert_error(client.post(url), 401, "unauthorized")
    assert_error(client.post("/api/v1/agents/nobody-here/decide", headers=AUTH), 404,
                 "not_found", "nobody-here")  # fmt: skip
    assert_error(client.post(url, json={"at": "2999-01-01"}, headers=AUTH), 400,
                 "invalid_input", "is in the future")  # fmt: skip
    assert_error(client.post(url, json={"exchange": "okx"}, headers=AUTH), 404, "not_found",
                 "no 1h bars of", "under exchange 'okx'")  # fmt: skip
    assert_error(client.post(url, json={"symbols": [BTC, "SOL/USDT:USDT"]}, headers=AUTH), 404,
                 "not_found", "no 1h candles for SOL/USDT:USDT on binance")  # fmt: skip
    assert_error(client.post(url, json={"capital": 0}, headers=AUTH), 422, "validation_error")
    assert_error(client.post(url, json={"orders": True}, headers=AUTH), 422, "validation_error")
