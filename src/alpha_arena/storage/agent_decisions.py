"""An agent's stored decisions across seasons, read in bulk for the decision outcomes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from alpha_arena.domain.decisions import Decision, DecisionOutcome, Signal, SymbolDecision
from alpha_arena.storage.tables import SeasonDecisionRow, SeasonEntryRow, SeasonRow


@dataclass(frozen=True, slots=True)
class AgentEntry:
    """One season entry of an agent, with what its outcomes are measured on."""

    entry_id: int
    season_id: int
    season_name: str
    exchange: str
    timeframe: str


class AgentDecisions:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def entries(self, agent_id: int, season_id: int | None = None) -> list[AgentEntry]:
        """The agent's entries (in season ``season_id`` only, when given), oldest first."""
        query = (
            select(SeasonEntryRow.id, SeasonRow.id, SeasonRow.name, SeasonRow.config,
                   SeasonRow.timeframe)
            .join(SeasonRow, SeasonRow.id == SeasonEntryRow.season_id)
            .where(SeasonEntryRow.agent_id == agent_id)
            .order_by(SeasonRow.id, SeasonEntryRow.id)
        )  # fmt: skip
        if season_id is not None:
            query = query.where(SeasonRow.id == season_id)
        with self._engine.connect() as connection:
            rows = list(connection.execute(query))
        return [
            AgentEntry(int(entry), int(season), str(name),
                       str(json.loads(config).get("exchange", "binance")), str(timeframe))
            for entry, season, name, config, timeframe in rows
        ]  # fmt: skip

    def decisions(self, entry_ids: Sequence[int]) -> list[tuple[int, Decision]]:
        """Every stored decision of ``entry_ids`` with its entry's id, in the order stored."""
        if not entry_ids:
            return []
        table = SeasonDecisionRow
        query = (
            select(table.entry_id, table.ts, table.actions, table.reasoning, table.outcome)
            .where(table.entry_id.in_(list(entry_ids)))
            .order_by(table.entry_id, table.seq)
        )
        with self._engine.connect() as connection:
            return [
                (int(entry), Decision(int(ts), _actions(actions), reasoning,
                                      DecisionOutcome(outcome)))
                for entry, ts, actions, reasoning, outcome in connection.execute(query)
            ]  # fmt: skip


def _actions(text: str) -> tuple[SymbolDecision, ...]:
    """The actions as ``season_store`` wrote them (fields added later may be missing)."""
    items: list[dict[str, Any]] = json.loads(text)
    return tuple(
        SymbolDecision(
            symbol=item["symbol"],
            signal=Signal(item["signal"]),
            quantity=item.get("quantity"),
            notional=item.get("notional"),
            leverage=item.get("leverage", 1.0),
            take_profit=item.get("take_profit"),
            stop_loss=item.get("stop_loss"),
            invalidation=item.get("invalidation", ""),
            confidence=item.get("confidence", 1.0),
            justification=item.get("justification", ""),
            stop_loss_fraction=item.get("stop_loss_fraction"),
            take_profit_fraction=item.get("take_profit_fraction"),
            limit_price=item.get("limit_price"),
            counter_price=item.get("counter_price"),
        )
        for item in items
    )
