"""Records paged by a cursor that CCXT cannot follow.

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
