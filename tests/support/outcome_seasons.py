"""A finished replay season of built-in strategy agents, for the decision-outcome reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alpha_arena.core.time import parse_ts
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from alpha_arena.services.seasons import create_season, run_season
from alpha_arena.storage.season_store import SeasonStore

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
#: A fast EMA cross on hourly bars: long or short nearly every day.
EMA_FAST: dict[str, Any] = {
    "kind": "strategy", "strategy": "ema_trend", "params": {"fast": "3", "slow": "8"},
}  # fmt: skip
#: The bundled BTC and ETH perpetual hours end with the bar opened then: a season to it has
#: calls whose 24 bars are not in the data yet.
LAST_BAR = parse_ts("2026-05-17T07:00")


def play_season(
    context: AppContext, agents: Mapping[str, dict[str, Any]], start: int, end: int
) -> int:
    """Register ``agents``, run a replay season of them on BTC and ETH from ``start`` to
    ``end`` to its end; return its id."""
    for name, config in agents.items():
        add_agent(context, name, config)
    season = create_season(context, {
        "name": f"outcomes {start}", "symbols": [BTC, ETH], "start": start, "end": end,
        "participants": list(agents),
    })  # fmt: skip
    run_season(context, season.id)
    return season.id


def directional_calls(context: AppContext, season_id: int, name: str) -> int:
    """The coins the entry ``name``'s stored decisions call long or short, counted from the
    rows: per decision and coin, the last signal that is not a hold."""
    store = SeasonStore(context.engine)
    (entry,) = [e for e in store.entries(season_id) if e.name == name]
    count = 0
    for row in store.decisions(entry.id):
        last: dict[str, str] = {}
        for action in row["actions"]:
            if action["signal"] != "hold" or action["symbol"] not in last:
                last[action["symbol"]] = action["signal"]
        count += sum(1 for s in last.values() if s in ("buy_to_enter", "sell_to_enter"))
    return count
