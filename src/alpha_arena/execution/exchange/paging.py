"""Records paged in ways CCXT cannot follow: by a cursor (Bitget), by time (Hyperliquid).

Bitget pages fills and bills newest first, the next page being ``idLessThan`` = the ``endId``
of the last: the oldest id on it. CCXT's own pagination looks for that cursor in each row,
finds it in none and stops after the first page, so such records are paged here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Page = Callable[[dict[str, Any]], list[dict[str, Any]]]


def older_pages(read: Page, cursor: str, page_size: int, max_pages: int) -> list[dict[str, Any]]:
    """Every row ``read`` gives, page after page: ``read(params)`` answers one page of parsed
    CCXT records (at most ``page_size``), older than ``params[cursor]`` when that is set."""
    rows: list[dict[str, Any]] = []
    params: dict[str, Any] = {}
    for _ in range(max_pages):
        page = read(dict(params))
        rows += page
        if len(page) < page_size:
            break
        oldest = min(int(row["id"]) for row in page)
        if params.get(cursor) is not None and oldest >= int(params[cursor]):
            break  # the exchange did not move back: stop rather than loop
        params[cursor] = str(oldest)
    return rows


def newer_pages(
    read: Callable[[int], list[dict[str, Any]]], key: Callable[[dict[str, Any]], str],
    since: int, max_pages: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """Every row ``read(start)`` gives, page after page, for records answered oldest first
    from ``start`` on in pages of the exchange's own size (Hyperliquid: 2,000 fills or 500
    funding payments, no ``limit``): the next page starts at the newest time of the last
    (inclusive: rows of one millisecond may straddle pages; ``key`` tells rows apart), until
    a page brings nothing new. A page of nothing new but several rows of one millisecond may
    have been cut inside it: reading goes on from the next millisecond (rows of that
    millisecond beyond a whole page cannot be asked for: there is no other cursor)."""
    rows: dict[str, dict[str, Any]] = {}
    start = since
    for _ in range(max_pages):
        page = read(start)
        fresh = [row for row in page if key(row) not in rows]
        rows.update((key(row), row) for row in fresh)
        times = {int(row["timestamp"]) for row in page}
        if fresh:
            start = max(times)
        elif len(page) > 1 and times == {start}:
            start += 1
        else:
            break
    return list(rows.values())
