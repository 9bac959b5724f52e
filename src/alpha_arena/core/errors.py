"""One root error; each subclass is named for what the caller should do about it."""


class ArenaError(Exception):
    """Root of every error Alpha Arena raises on purpose."""


class InvalidInputError(ArenaError):
    """The caller's input is wrong (bad symbol, timeframe, date, file); fix it and retry."""


class NotFoundError(InvalidInputError):
    """The thing asked for does not exist (unknown instrument, empty series, unknown id)."""


class ConflictError(InvalidInputError):
    """The request clashes with the current state (a name taken, a move the lifecycle forbids)."""


class ConfigurationError(ArenaError):
    """A person must change the configuration (settings, database URL, credentials)."""


class DataIntegrityError(ArenaError):
    """Data failed validation (NaN, negative price, broken OHLC) and was not stored."""


class TemporaryError(ArenaError):
    """A transient failure (rate limit, timeout, 5xx); retrying later may succeed."""


class DatabaseError(ArenaError):
    """The database failed in a way a person must fix (a full disk, a read-only file)."""


class DatabaseUnavailableError(TemporaryError):
    """The database is unreachable, or dropped the connection; retrying later may succeed."""


class SourceUnavailableError(ArenaError):
    """A market-data source or exchange cannot be reached or refused the request."""


class AgentError(ArenaError):
    """User or agent code failed (a strategy or LLM agent raised or sent a request that failed)."""
