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


class RateLimitedError(TemporaryError):
    """An exchange rate-limited the request (429, DDoS protection); wait, then retry."""


class ExchangeUnreachableError(TemporaryError):
    """An exchange did not answer (network failure, timeout, maintenance); retry later."""


class OrderRejectedError(ArenaError):
    """An exchange refused the order itself: change the order, retrying it as it is will not
    help. ``kind`` says why: ``insufficient_funds``, ``invalid_order`` (size, price, symbol,
    parameters), ``order_not_found`` (cancelling or reading an order the exchange does not
    know) or ``rejected`` (any other refusal: market closed, no change, restricted)."""

    def __init__(self, message: str, kind: str = "invalid_order") -> None:
        super().__init__(message)
        self.kind = kind

    def __reduce__(self) -> tuple[type[ArenaError], tuple[str, str]]:
        # Pickled across processes (a runner, a worker), the kind must survive.
        return type(self), (str(self), self.kind)


class TradingDisabledError(ConfigurationError):
    """An order would reach a real exchange and trading is not enabled (ARENA_TRADING_ENABLED):
    a person must decide to enable it."""
