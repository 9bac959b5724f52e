"""Read SQLite query results into columns, through Python's own SQLite library (C, optional)."""

import sqlite3

def read(connection: sqlite3.Connection, query: str, kinds: str, /) -> tuple[bytearray, ...]:
    """Run one SELECT; return one bytearray of native 8-byte values per column: kind ``d``
    float64 (NULL as NaN), ``q`` int64 (NULL as the smallest int64)."""
