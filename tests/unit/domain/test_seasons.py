"""The season lifecycle as a transition table: every row is legal, every other (status, event)
pair is refused with a message naming both and saying what is allowed instead."""

from __future__ import annotations

import itertools

import pytest

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.seasons import (
    SEASON_TRANSITIONS,
    SeasonConflictError,
    SeasonEvent,
    SeasonStatus,
    next_status,
)

PAIRS = list(itertools.product(SeasonStatus, SeasonEvent))
LEGAL = [pair for pair in PAIRS if pair in SEASON_TRANSITIONS]
ILLEGAL = [pair for pair in PAIRS if pair not in SEASON_TRANSITIONS]

#: The lifecycle as specified, written out independently of the table under test.
EXPECTED = {
    (SeasonStatus.DRAFT, SeasonEvent.START): SeasonStatus.RUNNING,
    (SeasonStatus.DRAFT, SeasonEvent.END): SeasonStatus.CANCELED,
    (SeasonStatus.RUNNING, SeasonEvent.PAUSE): SeasonStatus.PAUSED,
    (SeasonStatus.RUNNING, SeasonEvent.END): SeasonStatus.FINISHED,
    (SeasonStatus.RUNNING, SeasonEvent.COMPLETE): SeasonStatus.FINISHED,
    (SeasonStatus.PAUSED, SeasonEvent.RESUME): SeasonStatus.RUNNING,
    (SeasonStatus.PAUSED, SeasonEvent.END): SeasonStatus.FINISHED,
}


def rid(pair: tuple[SeasonStatus, SeasonEvent]) -> str:
    return f"{pair[0].value}-{pair[1].value}"


def test_the_table_is_exactly_the_specified_lifecycle() -> None:
    assert SEASON_TRANSITIONS == EXPECTED
    assert len(LEGAL) + len(ILLEGAL) == len(SeasonStatus) * len(SeasonEvent)


@pytest.mark.parametrize(("status", "event"), LEGAL, ids=[rid(pair) for pair in LEGAL])
def test_every_legal_move_gives_the_tables_target(status: SeasonStatus, event: SeasonEvent) -> None:
    assert next_status(status, event) is EXPECTED[(status, event)]


@pytest.mark.parametrize(("status", "event"), ILLEGAL, ids=[rid(pair) for pair in ILLEGAL])
def test_every_illegal_move_is_refused_naming_event_status_and_what_is_allowed(
    status: SeasonStatus, event: SeasonEvent
) -> None:
    with pytest.raises(SeasonConflictError) as raised:
        next_status(status, event)

    message = str(raised.value)
    assert isinstance(raised.value, InvalidInputError)  # the CLI shows it as a one-line error
    assert "\n" not in message
    assert message.startswith(f"cannot {event.value} a {status.value} season")
    allowed = [
        e.value for (s, e) in EXPECTED if s is status and e is not SeasonEvent.COMPLETE
    ]  # COMPLETE is the runner's, never offered to a person
    if allowed:
        assert message.endswith(f"; it can {' or '.join(allowed)}")
    else:
        assert message == f"cannot {event.value} a {status.value} season"
    hint = message.partition(";")[2]
    for other in SeasonEvent:
        if other.value not in allowed:
            assert f" {other.value}" not in hint


@pytest.mark.parametrize("status", [SeasonStatus.FINISHED, SeasonStatus.CANCELED])
def test_finished_and_canceled_are_terminal(status: SeasonStatus) -> None:
    assert not [event for (s, event) in SEASON_TRANSITIONS if s is status]
    for event in SeasonEvent:
        with pytest.raises(SeasonConflictError, match=f"^cannot {event.value} a {status.value}"):
            next_status(status, event)


def test_complete_is_legal_only_from_running() -> None:
    sources = [status for (status, event) in SEASON_TRANSITIONS if event is SeasonEvent.COMPLETE]
    assert sources == [SeasonStatus.RUNNING]
    assert next_status(SeasonStatus.RUNNING, SeasonEvent.COMPLETE) is SeasonStatus.FINISHED
    for status in SeasonStatus:
        if status is not SeasonStatus.RUNNING:
            with pytest.raises(SeasonConflictError, match="cannot complete"):
                next_status(status, SeasonEvent.COMPLETE)


def test_a_paused_season_refusing_pause_points_at_resume() -> None:
    with pytest.raises(SeasonConflictError, match=r"cannot pause a paused season; it can resume"):
        next_status(SeasonStatus.PAUSED, SeasonEvent.PAUSE)


def test_no_sequence_of_moves_leaves_the_statuses_or_revives_a_terminal_season() -> None:
    # Walk every path of up to six events from a draft: only table rows move a season.
    frontier = {SeasonStatus.DRAFT}
    reached = set(frontier)
    for _ in range(6):
        step = set()
        for status in frontier:
            for event in SeasonEvent:
                try:
                    step.add(next_status(status, event))
                except SeasonConflictError:
                    continue
        frontier = step
        reached |= step
    assert reached == set(SeasonStatus)
    assert SeasonStatus.DRAFT not in {target for target in SEASON_TRANSITIONS.values()}
