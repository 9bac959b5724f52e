"""The strategy selector through the engine: the model picks a library strategy per coin from
the regime, the chosen strategy's own targets trade, bad answers keep the previous choice."""

from __future__ import annotations

import json

import numpy as np
import pytest

from alpha_arena.agents.llm.caller import CacheMode, CallSettings, LlmCaller
from alpha_arena.agents.llm.providers import create_provider
from alpha_arena.agents.selector import StrategySelector, regime_of
from alpha_arena.agents.strategy_agent import Sizing
from alpha_arena.core.clock import SimClock
from alpha_arena.domain.decisions import DecisionOutcome
from alpha_arena.domain.market import Candles
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.sources.sample import read_candles, sample_instruments
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.strategies import registry
from alpha_arena.strategies.base import StrategyInput
from tests.support.fake_llm import FakeLlmServer

SYMBOL = "BTC/USDT:USDT"
INSTRUMENTS = {item.symbol: item for item in sample_instruments()}
ALL: Candles = read_candles(
    __import__("tests.support.sample", fromlist=["SAMPLE"]).SAMPLE
    / "binance_usdm_BTCUSDT_1h.csv.gz"
)
WARM, STEPS = 300, 96
CANDLES = ALL.slice(0, WARM + STEPS)


def run(server: FakeLlmServer, reselect_every: int = 24) -> tuple[StrategySelector, TradingEngine]:
    data = StrategyInput(SYMBOL, "1h", CANDLES, np.full(len(CANDLES), np.nan))
    strategies = {name: registry.create(name) for name in ("ema_trend", "buy_and_hold")}
    provider = create_provider("openai", base_url=server.openai_base_url, api_key="k",
                               max_retries=0)  # fmt: skip
    caller = LlmCaller(CallSettings("openai", "m"), provider, None, CacheMode.OFF,
                       SimClock(int(CANDLES.ts[WARM])))  # fmt: skip
    selector = StrategySelector(
        "selector", caller, strategies, {SYMBOL: data}, Sizing(), {SYMBOL: WARM}, reselect_every
    )
    venue = PaperVenue(PaperVenueConfig(10_000.0), INSTRUMENTS, NextBarOpen())
    engine = TradingEngine(
        ReplayFeed("1h", {SYMBOL: CANDLES.slice(WARM, len(CANDLES))}, {}), [(selector, venue)],
        INSTRUMENTS, RiskLimits(), SimClock(int(CANDLES.ts[WARM])), decision_timeout_s=10.0,
    )  # fmt: skip
    engine.run()
    engine.loop.run_until_complete(provider.aclose())
    engine.close()
    return selector, engine


def test_the_chosen_strategy_trades_and_the_model_is_asked_on_its_cadence() -> None:
    with FakeLlmServer() as server:
        server.reply(*[json.dumps({"reasoning": "trend", "selections": {"BTC": "buy_and_hold"}})]
                     * 4)  # fmt: skip
        selector, engine = run(server, reselect_every=24)
        assert server.count == STEPS // 24  # asked at steps 0, 24, 48 and 72
        prompt = server.received[0].body["messages"][1]["content"]
        assert "ADX14" in prompt and "Bollinger width" in prompt
    assert selector.chosen[SYMBOL] == "buy_and_hold"
    ledger = engine.entrants[0].ledger
    [entry] = ledger.fills  # buy and hold: one entry, never closed
    assert entry.side.value == "buy"
    assert selector.invalid_outputs == 0
    assert {d.outcome for d in ledger.decisions} == {DecisionOutcome.VALID}
    assert all(call.parsed_decision == {"selections": {SYMBOL: "buy_and_hold"}}
               for call in selector.calls)  # fmt: skip


@pytest.mark.parametrize(
    "answer",
    [
        "no idea",
        json.dumps({"selections": {"BTC": "martingale"}}),
        json.dumps({"selections": {"PEPE": "ema_trend"}}),
        json.dumps({"choice": "ema_trend"}),
    ],
    ids=["prose", "unknown-strategy", "unknown-coin", "wrong-shape"],
)
def test_a_bad_answer_keeps_the_previous_choice_and_is_counted(answer: str) -> None:
    with FakeLlmServer() as server:
        server.reply(*[answer] * 4)
        selector, engine = run(server, reselect_every=24)
    assert selector.chosen[SYMBOL] == "flat"
    assert not engine.entrants[0].ledger.fills
    assert selector.invalid_outputs == 4
    assert all(call.parsed_decision is None for call in selector.calls)
    # Each step whose selection failed is an invalid decision, as the leaderboard counts them.
    decisions = engine.entrants[0].ledger.decisions
    assert [d.outcome for d in decisions] == [DecisionOutcome.INVALID] * 4


def test_the_regime_shown_is_as_of_the_decision_bar() -> None:
    with FakeLlmServer() as server:
        server.reply(*[json.dumps({"selections": {"BTC": "flat"}})] * 4)
        run(server, reselect_every=24)
        first = server.received[0].body["messages"][1]["content"]
    # The first decision is at the close of bar WARM: its 4-bar return uses closes up to it.
    expected = regime_of(SYMBOL, CANDLES.slice(0, WARM + 1))
    assert expected.return_4_bars == pytest.approx(
        CANDLES.close[WARM] / CANDLES.close[WARM - 4] - 1
    )
    assert expected.describe().split(": ", 1)[1] in first
