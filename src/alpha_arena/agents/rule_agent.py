"""The participant that runs one library rule: by its target positions, or a grid by its ladder."""

from __future__ import annotations

from collections.abc import Mapping

from alpha_arena.agents.grid_agent import GridAgent
from alpha_arena.agents.strategy_agent import Sizing, StrategyAgent
from alpha_arena.engine.participant import Cadence
from alpha_arena.strategies.base import Strategy, StrategyInput
from alpha_arena.strategies.library.grid import Grid


def rule_agent(
    name: str,
    strategy: Strategy,
    inputs: Mapping[str, StrategyInput],
    sizing: Sizing,
    offsets: Mapping[str, int] | None = None,
    cadence: Cadence | None = None,
) -> StrategyAgent | GridAgent:
    """Backtests, one-off decisions and seasons all build their rule participants here, so a
    rule runs the same way in each."""
    if isinstance(strategy, Grid):
        return GridAgent(name, strategy, inputs, sizing, offsets, cadence)
    return StrategyAgent(name, strategy, inputs, sizing, offsets, cadence)
