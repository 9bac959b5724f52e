"""Database failures in the error taxonomy: one line naming the database and what to do.

A driver error reaching a person as a traceback says nothing useful; translated here, a full
disk, a read-only file, a dropped connection or an unreachable server each become one line,
and the transient ones (a dropped connection, a lock held too long) are marked so that the
season runner retries them with back-off."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from alpha_arena.core.errors import ArenaError, DatabaseError, DatabaseUnavailableError

# PostgreSQL SQLSTATE classes and codes worth retrying: connection exceptions, the server
# shutting down or starting up, serialization failures and deadlocks.
_TRANSIENT_SQLSTATE_CLASSES = ("08",)
_TRANSIENT_SQLSTATES = {"57P01", "57P02", "57P03", "40001", "40P01"}
# MySQL and MariaDB error numbers worth retrying: a lock wait timeout, a deadlock, a connection
# killed, refused, gone or lost.
_TRANSIENT_MYSQL_ERRORS = {1205, 1213, 1927, 2003, 2006, 2013}


def redact_url(url: str) -> str:
    """The URL with its password hidden, fit for a message."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return "<unreadable URL>"


def database_error(error: BaseException, url: str) -> ArenaError | None:
    """The failure of a database call as one of our errors, or None if it is not one."""
    if isinstance(error, PoolTimeoutError):
        return DatabaseUnavailableError(
            f"every pooled connection to {redact_url(url)} stayed busy ({_pool_reason(error)}); "
            "try again, or raise ARENA_DB_POOL_SIZE, ARENA_DB_MAX_OVERFLOW or "
            "ARENA_DB_POOL_TIMEOUT_S"
        )
    if not isinstance(error, DBAPIError):
        return None
    where = redact_url(url)
    reason = failure_reason(error)
    lowered = reason.lower()
    if "disk is full" in lowered or "no space left" in lowered or "disk full" in lowered:
        return DatabaseError(
            f"database {where} is full ({reason}): free disk space, then run the command "
            "again; the interrupted transaction was rolled back, nothing is half-written"
        )
    if "disk i/o error" in lowered:
        return DatabaseError(
            f"database {where} could not write to its disk ({reason}): check the free space "
            "and the file system, then run the command again; the interrupted transaction was "
            "rolled back, nothing is half-written"
        )
    if "readonly database" in lowered or "read-only" in lowered or "read only" in lowered:
        return DatabaseError(
            f"database {where} is read-only ({reason}): this command writes; make the file "
            "and its folder writable, or point ARENA_DATABASE_URL at a writable copy"
        )
    if "database is locked" in lowered:
        return DatabaseUnavailableError(
            f"database {where} stayed locked by another process ({reason}); try again"
        )
    if is_transient(error):
        return DatabaseUnavailableError(
            f"lost the connection to {where} ({reason}); run the command again once the "
            "server is back: a season resumes from its last committed tick"
        )
    if error.connection_invalidated or "connect" in lowered:
        return DatabaseUnavailableError(
            f"cannot reach the database {where} ({reason}); check that the server runs and "
            "ARENA_DATABASE_URL is right"
        )
    return DatabaseError(f"database {where} failed: {reason}")


def _pool_reason(error: PoolTimeoutError) -> str:
    """SQLAlchemy's message without its link to the docs."""
    return str(error.args[0] if error.args else error).split(" (Background on", 1)[0]


def is_transient(error: BaseException) -> bool:
    """Whether retrying the failed database call later may succeed."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    if sqlstate in _TRANSIENT_SQLSTATES or sqlstate.startswith(_TRANSIENT_SQLSTATE_CLASSES):
        return True
    number = next(iter(getattr(error.orig, "args", ())), None)  # PyMySQL: (number, message)
    if isinstance(number, int) and number in _TRANSIENT_MYSQL_ERRORS:
        return True
    lowered = failure_reason(error).lower()
    return any(
        text in lowered
        for text in (
            "database is locked",
            "server closed the connection",
            "terminating connection",
            "connection refused",
            "connection is closed",
            "could not receive data",
            "consuming input failed",
            # libpq after a backend died mid-pipeline (psycopg's executemany): the connection
            # is unusable, a new one works
            "sending query failed",
            "pipeline mode",
            "connection is lost",
        )
    )


def failure_reason(error: BaseException) -> str:
    """The failure's own first line (the driver's, without SQLAlchemy's statement and link)."""
    original = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(original).strip().splitlines()
    return lines[0].strip() if lines else type(original).__name__
