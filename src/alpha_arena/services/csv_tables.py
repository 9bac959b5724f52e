"""Rows as CSV, one rule for every export: the header is the first row's keys, and no rows
make an empty file (no header either)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write ``rows`` to ``path`` (replacing it)."""
    with path.open("w", newline="") as handle:
        _write(handle, rows)


def csv_text(rows: Sequence[Mapping[str, Any]]) -> str:
    """``rows`` as the text ``write_csv`` would write."""
    buffer = io.StringIO(newline="")
    _write(buffer, rows)
    return buffer.getvalue()


def _write(handle: IO[str], rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
