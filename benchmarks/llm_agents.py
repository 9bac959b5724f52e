"""Ten LLM agents deciding at the same engine step, against an endpoint that takes 0.5 s.

Run: .venv/bin/python benchmarks/llm_agents.py   (after `make demo`, for the bundled data)

The endpoint is the test suite's loopback OpenAI-compatible server (tests/support/fake_llm.py)
with a fixed delay; the agents go through the real SDK, prompt and parser. Asked one after the
other they would need about 10 x 0.5 s; the engine asks them together."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.fake_llm import FakeAnswer, FakeLlmServer

from alpha_arena.agents.llm.caller import CacheMode
from alpha_arena.agents.llm.participant import LlmParticipant
from alpha_arena.agents.llm.prompts import default_template
from alpha_arena.agents.llm.providers import create_provider
from alpha_arena.agents.llm.trader import LlmTrader, TraderSettings
from alpha_arena.core.clock import SimClock
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.service import DataService
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.services.context import open_context

AGENTS = 10
DELAY_S = 0.5
SYMBOL = "BTC/USDT:USDT"
ANSWER = '{"reasoning": "wait", "decisions": [{"coin": "BTC", "signal": "hold"}]}'


def main() -> None:
    context = open_context()
    data = DataService(context.market, "binance")
    instruments = {i.symbol: i for i in context.market.instruments("binance")}
    at = parse_ts("2025-03-01T12:00")
    candles = data.candles(SYMBOL, "1h", at - 2 * HOUR_MS, at - HOUR_MS)
    with FakeLlmServer() as server:
        server.delay_s = DELAY_S
        server.respond_with(lambda _request: FakeAnswer(ANSWER))
        provider = create_provider("openai", base_url=server.openai_base_url, api_key="bench",
                                   concurrency=AGENTS)  # fmt: skip
        settings = TraderSettings("openai", "bench-model", default_template())
        entrants = []
        for number in range(AGENTS):
            trader = LlmTrader(settings, provider, None, CacheMode.OFF, SimClock(at))
            participant = LlmParticipant(f"llm-{number}", trader, data, [SYMBOL], 10_000.0, 0.0005)
            venue = PaperVenue(PaperVenueConfig(10_000.0), instruments, NextBarOpen())
            entrants.append((participant, venue))
        engine = TradingEngine(
            ReplayFeed("1h", {SYMBOL: candles}, {}), entrants, instruments, RiskLimits(),
            SimClock(int(candles.ts[0])), fast_forward=False, decision_timeout_s=10.0,
        )  # fmt: skip
        timings = []
        for step in range(len(candles)):
            started = time.perf_counter()
            engine.step(step)
            timings.append(time.perf_counter() - started)
        engine.loop.run_until_complete(provider.aclose())
        engine.close()
        requests = server.count
    context.close()
    for step, seconds in enumerate(timings):
        print(
            f"step {step}: {AGENTS} LLM agents decided in {seconds:.2f} s wall time "
            f"(endpoint {DELAY_S} s per answer; {AGENTS * DELAY_S:.1f} s one after another)"
        )
    print(f"  {requests} requests served; most in flight at once: {server.max_in_flight}")


if __name__ == "__main__":
    main()
