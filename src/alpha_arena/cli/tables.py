"""Tables that fit a terminal of 100 columns without cutting a number.

A cut cell reads "1…" and says nothing; so numbers never wrap (their column is as wide as the
widest value, the header breaking between words above it), and only free text (names,
configurations, plans) folds onto more lines when room is short."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.table import Column, Table


@dataclass(frozen=True, slots=True)
class Field:
    """One column: its header, and whether its cells are free text that may fold."""

    header: str
    text: bool = False


def fitted_table(
    fields: Sequence[Field],
    rows: Sequence[Sequence[str]],
    title: str | None = None,
    caption: str | None = None,
    compact: bool = False,
) -> Table:
    """A table of ``rows`` (cells already formatted); ``compact`` drops the vertical rules,
    which leaves two more characters a column for the text."""
    columns = []
    for index, field in enumerate(fields):
        if field.text:
            columns.append(Column(field.header, overflow="fold"))
            continue
        widest = max((len(row[index]) for row in rows), default=1)
        columns.append(
            Column(stacked(field.header, widest), justify="right", no_wrap=True)
        )  # fmt: skip
    frame = box.SIMPLE_HEAD if compact else box.HEAVY_HEAD  # HEAVY_HEAD: rich's default
    table = Table(*columns, title=title, caption=caption, box=frame)
    for row in rows:
        table.add_row(*row)
    return table


def stacked(header: str, width: int) -> str:
    """The header's words on as few lines as fit ``width`` (a longer word gets its own)."""
    lines: list[str] = []
    for word in header.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def price(value: float | None) -> str:
    """A price as a trader reads it: whole above 1,000, cents above 1, four digits below."""
    if value is None:
        return "-"
    if abs(value) >= 1_000:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.4g}"


def coin(symbol: str) -> str:
    """``BTC/USDT:USDT`` -> ``BTC``: the column stays narrow; the JSON keeps the symbol."""
    return symbol.split("/", 1)[0]
