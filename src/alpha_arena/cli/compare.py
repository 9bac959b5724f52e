"""The pairwise comparison as a terminal table that fits 100 columns for about nine entries:
a row per entry A, numbered, a column per entry B under A's number, each cell P(A beats B)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from alpha_arena.cli.tables import Field, fitted_table

if TYPE_CHECKING:
    from alpha_arena.seasons.compare import Comparison


def comparison_table(comparison: Comparison) -> Table:
    """Rows: entry A (number and name, the legend of the numbered columns); columns: entry B;
    cells: P(A's return beats B's) as a percentage, "-" on the diagonal."""
    count = len(comparison.entries)
    fields = [Field("#"), Field("entry", text=True)] + [Field(str(b)) for b in range(1, count + 1)]
    rows = [
        [str(a), name] + ["-" if a == b else _percent(p) for b, p in enumerate(cells, 1)]
        for a, (name, cells) in enumerate(
            zip(comparison.entries, comparison.p_beats, strict=True), 1
        )
    ]
    caption = (
        f"cell: P(row's return beats column's) over {comparison.ticks:,} ticks, "
        f"{comparison.samples:,} paired block-bootstrap resamples"
    )
    title = f"Season {comparison.season_id}: pairwise comparison"
    return fitted_table(fields, rows, title=title, caption=caption, compact=True)


def _percent(p: float) -> str:
    """63%; "<1%" and ">99%" where rounding would print a certainty the resamples did not show."""
    if 0.0 < p < 0.005:
        return "<1%"
    if 0.995 <= p < 1.0:
        return ">99%"
    return f"{p:.0%}"
