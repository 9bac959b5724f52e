"""The optional C reader of SQLite columns; everything else is configured in pyproject.toml.

It links against the system's shared SQLite library, the one Python's sqlite3 module loads, and
refuses to import if that is not so. Without a compiler or sqlite3.h it is skipped (``optional``)
and reads fall back to the sqlite3 module (see storage/bulk.py)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "alpha_arena.storage._sqlite_columns",
            sources=["src/alpha_arena/storage/_sqlite_columns.c"],
            libraries=["sqlite3"],
            optional=True,
        )
    ]
)
