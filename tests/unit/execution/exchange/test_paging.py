"""Paging by hand: each request asks for rows older than the oldest id of the page before."""

from __future__ import annotations

from typing import Any

from alpha_arena.execution.exchange.paging import older_pages

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
