"""What one committed tick of a season adds to the server's counters, in a form that crosses a
process boundary: the runner may run in a process of its own and report its commits as JSON
(``as_dict`` / ``from_dict``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from alpha_arena.storage.season_store import EntryTick


@dataclass(frozen=True, slots=True)
class ModelCall:
    """One call to a model that was really made (not answered from the cache)."""

    provider: str
    model: str
    latency_ms: float
    cost_usd: float | None  # None: the model's price is unknown


@dataclass(frozen=True, slots=True)
class CommitSummary:
    season_id: int
    tick: int
    outcomes: dict[str, int]  # decisions by outcome (valid, repaired, invalid, missed...)
    orders: int
    fills: int
    calls: tuple[ModelCall, ...]

    @classmethod
    def of(cls, season_id: int, tick: int, ticks: Sequence[EntryTick]) -> CommitSummary:
        outcomes = Counter(
            decision.outcome.value for entry in ticks for decision, _latency in entry.decisions
        )
        calls = tuple(
            ModelCall(call.provider, call.model, call.latency_ms, call.cost_usd)
            for entry in ticks
            for call in entry.calls
            if not call.cached
        )
        return cls(
            season_id=season_id, tick=tick, outcomes=dict(outcomes),
            orders=sum(len(entry.orders) for entry in ticks),
            fills=sum(len(entry.fills) for entry in ticks), calls=calls,
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CommitSummary:
        return cls(
            season_id=int(data["season_id"]), tick=int(data["tick"]),
            outcomes={str(k): int(v) for k, v in data["outcomes"].items()},
            orders=int(data["orders"]), fills=int(data["fills"]),
            calls=tuple(ModelCall(**call) for call in data["calls"]),
        )  # fmt: skip
