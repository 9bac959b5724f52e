"""What the migrations write differently on MySQL and MariaDB; SQLite and PostgreSQL ignore it.

Frozen like the migrations that use it: a change of schema goes into a new migration, never
into these values (a database migrated with them must stay what the later migrations expect)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

#: Options of every table. utf8mb4 stores any character a model answers with (the server's
#: default may be latin1 or the 3-byte utf8). The binary collation compares and sorts text by
#: code point, as SQLite and PostgreSQL compare it: names differing by case only ("Alpha" and
#: "alpha", the timeframes "1m" and "1M") are different keys, not a duplicate.
TABLE: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def long_text() -> sa.types.TypeEngine[str]:
    """TEXT, but LONGTEXT on MySQL: its TEXT holds 64 KB at most, less than a prompt may."""
    return sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def on_mysql() -> bool:
    """Whether the migration runs on MySQL or MariaDB."""
    return op.get_bind().dialect.name in ("mysql", "mariadb")


def text_default(value: str) -> str | sa.TextClause:
    """A server default for a TEXT column: MySQL 8 accepts one only as an expression."""
    if "'" in value or "\\" in value:
        raise ValueError(f"quote {value!r} by hand")
    return sa.text(f"('{value}')") if on_mysql() else value
