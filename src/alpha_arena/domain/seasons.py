"""Seasons: a time-boxed competition of agents on isolated accounts over the same market.

The lifecycle is a transition table, like the order lifecycle: every legal move is a row."""

from __future__ import annotations

from enum import StrEnum

from alpha_arena.core.errors import ConflictError


class SeasonMode(StrEnum):
    REPLAY = "replay"  # a historical window, as fast as the machine goes
    PAPER = "paper"  # live market data, simulated fills
    LIVE = "live"  # real orders: refused until live trading exists


class SeasonStatus(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    CANCELED = "canceled"


class SeasonEvent(StrEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    END = "end"  # by hand: a draft is canceled, a started season finishes where it stands
    COMPLETE = "complete"  # by the runner, when the season reaches its end time


#: The season lifecycle: (status, event) -> next status. Nothing else is allowed.
SEASON_TRANSITIONS: dict[tuple[SeasonStatus, SeasonEvent], SeasonStatus] = {
    (SeasonStatus.DRAFT, SeasonEvent.START): SeasonStatus.RUNNING,
    (SeasonStatus.DRAFT, SeasonEvent.END): SeasonStatus.CANCELED,
    (SeasonStatus.RUNNING, SeasonEvent.PAUSE): SeasonStatus.PAUSED,
    (SeasonStatus.RUNNING, SeasonEvent.END): SeasonStatus.FINISHED,
    (SeasonStatus.RUNNING, SeasonEvent.COMPLETE): SeasonStatus.FINISHED,
    (SeasonStatus.PAUSED, SeasonEvent.RESUME): SeasonStatus.RUNNING,
    (SeasonStatus.PAUSED, SeasonEvent.END): SeasonStatus.FINISHED,
}


class SeasonConflictError(ConflictError):
    """The season is not in a state that allows this (e.g. pausing a finished season)."""


def next_status(status: SeasonStatus, event: SeasonEvent) -> SeasonStatus:
    """The status ``event`` moves a season in ``status`` to; a move the table lacks is refused
    with a message that says what is allowed instead."""
    target = SEASON_TRANSITIONS.get((status, event))
    if target is None:
        manual = (e for (s, e) in SEASON_TRANSITIONS if s is status)
        allowed = [e.value for e in manual if e is not SeasonEvent.COMPLETE]
        hint = f"; it can {' or '.join(allowed)}" if allowed else ""
        raise SeasonConflictError(f"cannot {event.value} a {status.value} season{hint}")
    return target


class EntryStatus(StrEnum):
    ACTIVE = "active"
    ELIMINATED = "eliminated"  # equity fell to the threshold: positions closed, account frozen
