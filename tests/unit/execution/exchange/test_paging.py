"""Paging by hand: each request asks for rows older than the oldest id of the page before
(Bitget), or from the newest time of the page before (Hyperliquid)."""

from __future__ import annotations

from typing import Any

from alpha_arena.execution.exchange.paging import newer_pages, older_pages

ROWS = [{"id": str(i)} for i in range(101, 108)]  # ids 101..107


def newest_first(seen: list[dict[str, Any]]) -> Any:
    def read(params: dict[str, Any]) -> list[dict[str, Any]]:
        seen.append(params)
        older = [r for r in ROWS if int(r["id"]) < int(params.get("idLessThan", 10**9))]
        return sorted(older, key=lambda r: -int(r["id"]))[:3]

    return read


def test_pages_go_back_from_the_oldest_id_until_a_short_page() -> None:
    seen: list[dict[str, Any]] = []
    rows = older_pages(newest_first(seen), "idLessThan", 3, max_pages=10)
    assert sorted(int(r["id"]) for r in rows) == list(range(101, 108))
    assert seen == [{}, {"idLessThan": "105"}, {"idLessThan": "102"}]


def test_an_exchange_that_does_not_move_back_is_not_asked_forever() -> None:
    calls: list[dict[str, Any]] = []

    def stuck(params: dict[str, Any]) -> list[dict[str, Any]]:
        calls.append(params)
        return ROWS[:3]

    older_pages(stuck, "idLessThan", 3, max_pages=50)
    assert len(calls) == 2


# (id, timestamp): two rows share millisecond 20, three share 40.
TIMED = [{"id": str(i), "timestamp": ts} for i, ts in
         [(1, 10), (2, 20), (3, 20), (4, 30), (5, 40), (6, 40), (7, 40), (8, 50)]]  # fmt: skip


def oldest_first(starts: list[int], size: int) -> Any:
    def read(start: int) -> list[dict[str, Any]]:
        starts.append(start)
        return [row for row in TIMED if int(row["timestamp"]) >= start][:size]

    return read


def test_time_pages_start_at_the_newest_time_read_and_stop_when_nothing_is_new() -> None:
    starts: list[int] = []
    rows = newer_pages(oldest_first(starts, 3), lambda row: row["id"], 0, max_pages=20)
    assert sorted(int(row["id"]) for row in rows) == list(range(1, 9))
    assert starts == [0, 20, 30, 40, 40, 41, 50]  # 40 again: nothing new, all of one ms


def test_a_page_cut_inside_one_millisecond_goes_on_from_the_next() -> None:
    starts: list[int] = []
    rows = newer_pages(oldest_first(starts, 2), lambda row: row["id"], 0, max_pages=20)
    # Row 7 (the third of millisecond 40) cannot be asked for with pages of two.
    assert sorted(int(row["id"]) for row in rows) == [1, 2, 3, 4, 5, 6, 8]
    assert starts == [0, 20, 20, 21, 40, 40, 41, 50]
