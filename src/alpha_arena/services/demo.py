"""The demo season: the built-in agents on a recent window of the bundled data, offline.

Everything is registered idempotently, so running the demo again adds a new season (the old
ones are kept) without duplicating agents or learning backtests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from alpha_arena.agents.llm.providers.registry import PROVIDERS
from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import DAY_MS, to_iso
from alpha_arena.marketdata.service import DataService
from alpha_arena.services import backtests
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from alpha_arena.services.seasons import create_season
from alpha_arena.storage.agent_store import AgentStore
from alpha_arena.storage.backtest_store import BacktestStore
from alpha_arena.storage.season_store import SeasonRecord

SYMBOLS = tuple(f"{coin}/USDT:USDT" for coin in ("BTC", "ETH", "SOL", "BNB", "DOGE", "XRP"))
SEASON_DAYS = 90
LEARNING_DAYS = 365  # the portfolio agent learns from backtests of the year before the season
PORTFOLIO = "regime-portfolio"
#: The rule strategies the demo registers and learns from, fixed so that a strategy added to the
#: library leaves the demo's season (and its ledger hash) as it was.
DEMO_RULES = (
    "ema_trend",
    "bollinger_range",
    "funding_rate_arbitrage",
    "breakout",
    "momentum",
    "rsi_mean_reversion",
)


@dataclass(frozen=True, slots=True)
class DemoPlan:
    season: SeasonRecord
    agents: list[str]
    llm_agents: list[str]  # one per provider whose API key is set
    learned_from: int  # stored backtests the portfolio agent learned from


def prepare_demo(context: AppContext, environ: dict[str, str] | None = None) -> DemoPlan:
    """Register the built-in agents and create a replay season over the newest
    ``SEASON_DAYS`` of the bundled perpetual data."""
    env = dict(os.environ) if environ is None else environ
    end = _newest_day(context)
    start = end - SEASON_DAYS * DAY_MS
    learned = _learning_backtests(context, start)
    agents = [_register(context, name.replace("_", "-"), {"kind": "strategy", "strategy": name})
              for name in DEMO_RULES]  # fmt: skip
    agents.append(_register(context, PORTFOLIO, {"kind": "portfolio", "top_n": 3}))
    llm_agents = [
        _register(context, f"llm-{spec.name}",
                  {"kind": "llm", "provider": spec.name, "model": spec.default_model})
        for spec in PROVIDERS.values()
        if spec.api_key_env and env.get(spec.api_key_env)
    ]  # fmt: skip
    season = create_season(
        context,
        {
            "name": f"demo {to_iso(start)[:10]} to {to_iso(end)[:10]}",
            "symbols": list(SYMBOLS), "start": start, "end": end,
            "participants": agents + llm_agents,
            "decision_timeout_s": 60.0,
        },
    )  # fmt: skip
    return DemoPlan(season, agents, llm_agents, learned)


def _newest_day(context: AppContext) -> int:
    """The start of the last whole UTC day every demo coin has 1h bars for."""
    data = DataService(context.market, "binance")
    newest = []
    for symbol in SYMBOLS:
        last = data.candles(symbol, "1h", last=1)
        if not len(last):
            raise InvalidInputError(f"no 1h candles of {symbol}: load the sample first")
        newest.append(int(last.ts[-1]))
    latest = min(newest)
    return latest - latest % DAY_MS


def _learning_backtests(context: AppContext, before: int) -> int:
    """Store a backtest of every library strategy on each coin over the year before ``before``
    (once): the portfolio agent's evidence, none of it from the season's own window."""
    store = BacktestStore(context.engine)
    start = before - LEARNING_DAYS * DAY_MS
    same_window = [
        run for run in store.recent(limit=10_000) if (run.ts_start, run.ts_end) == (start, before)
    ]
    have = {(run.strategy, run.symbols[0]) for run in same_window if len(run.symbols) == 1}
    names = [*DEMO_RULES, "buy_and_hold"]
    for symbol in SYMBOLS[:2]:
        for name in names:
            if (name, symbol) not in have:
                config = BacktestConfig(name, (symbol,), "1h", start, before, fee_rate=0.0005,
                                        slippage_bps=2.0)  # fmt: skip
                backtests.run(context, config)
    return len(names) * 2


def _register(context: AppContext, name: str, config: dict[str, Any]) -> str:
    """Register ``name`` unless an agent of that name exists (it is then used as it is)."""
    if name not in {agent.name for agent in AgentStore(context.engine).all()}:
        add_agent(context, name, config)
    return name
