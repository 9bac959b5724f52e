"""CoinGecko's public REST API over httpx: one GET at a time, paced below the plan's rate limit,
429s honoured through their Retry-After, transient failures retried a bounded number of times,
and every failure turned into one of our errors with a one-line message.

The API key (optional: the keyless public API works, at a lower rate limit) travels in the
header CoinGecko names for its plan and never in a URL, so it reaches no log line or error."""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from alpha_arena.core.errors import (
    DataIntegrityError,
    InvalidInputError,
    NotFoundError,
    SourceUnavailableError,
    TemporaryError,
)

logger = logging.getLogger(__name__)

KeyType = Literal["demo", "pro"]
#: The header that carries each plan's key, and where that plan's API lives.
KEY_HEADERS: dict[KeyType, str] = {"demo": "x-cg-demo-api-key", "pro": "x-cg-pro-api-key"}
DEFAULT_BASE_URLS: dict[KeyType, str] = {
    "demo": "https://api.coingecko.com/api/v3",
    "pro": "https://pro-api.coingecko.com/api/v3",
}
NAME = "coingecko"


@dataclass(frozen=True, slots=True)
class CoinGeckoConfig:
    """How to reach CoinGecko. ``calls_per_minute``: the pace kept below the plan's limit
    (0: unpaced); ``max_wait_s``: the longest Retry-After waited out before giving up."""

    base_url: str | None = None  # default: the public (demo) or pro API, by key type
    api_key: str | None = field(default=None, repr=False)
    key_type: KeyType = "demo"
    timeout_s: float = 15.0
    max_retries: int = 3
    retry_base_s: float = 1.0  # first back-off delay when no Retry-After says; doubles
    calls_per_minute: float = 30.0
    max_wait_s: float = 120.0

    def __post_init__(self) -> None:
        if self.base_url is not None and urlsplit(self.base_url).scheme not in ("http", "https"):
            raise InvalidInputError(
                f"CoinGecko base URL {self.base_url!r} must start with http:// or https://"
            )
        if self.key_type not in KEY_HEADERS:
            raise InvalidInputError(
                f"CoinGecko key type {self.key_type!r}; accepted: {', '.join(KEY_HEADERS)}"
            )
        if self.timeout_s <= 0 or self.max_retries < 0 or self.retry_base_s < 0:
            raise InvalidInputError("CoinGecko timeout must be > 0, retries and back-off >= 0")
        if self.calls_per_minute < 0 or self.max_wait_s < 0:
            raise InvalidInputError("CoinGecko calls per minute and longest wait must be >= 0")

    @property
    def url(self) -> str:
        return (self.base_url or DEFAULT_BASE_URLS[self.key_type]).rstrip("/")


class Pacer:
    """Spaces request starts at least ``60 / calls_per_minute`` seconds apart."""

    def __init__(
        self,
        calls_per_minute: float,
        sleep: Callable[[float], None],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = 60.0 / calls_per_minute if calls_per_minute > 0 else 0.0
        self._sleep = sleep
        self._monotonic = monotonic
        self._last: float | None = None

    def wait(self) -> None:
        """Sleep until the next request may start, and count it as started."""
        now = self._monotonic()
        if self._last is not None and now - self._last < self._interval:
            self._sleep(self._interval - (now - self._last))
            now = self._monotonic()
        self._last = now


class CoinGeckoClient:
    """GETs against CoinGecko returning decoded JSON. Close it (or use ``with``) when done."""

    def __init__(
        self,
        config: CoinGeckoConfig,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._sleep = sleep
        self._pacer = Pacer(config.calls_per_minute, sleep, monotonic)
        headers = {"accept": "application/json"}
        if config.api_key:
            headers[KEY_HEADERS[config.key_type]] = config.api_key
        self._http = httpx.Client(
            base_url=config.url, headers=headers, timeout=config.timeout_s, follow_redirects=False
        )

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, str], what: str) -> Any:
        """GET ``path`` (below the API root) and return its JSON. Retry 429s after their
        Retry-After, and 5xx, timeouts and network failures with doubling back-off."""
        attempt = 0
        while True:
            self._pacer.wait()
            try:
                response = self._http.get(path, params=params)
            except httpx.TransportError as error:
                reason = _network_reason(error)
                if attempt >= self._config.max_retries or reason == _UNRESOLVABLE:
                    raise self._gave_up(what, reason, attempt + 1) from error
                attempt = self._back_off(what, reason, attempt, None)
                continue
            status = response.status_code
            if status == 429 or status >= 500:
                wait = _retry_after(response) if status == 429 else None
                if wait is not None and wait > self._config.max_wait_s:
                    raise TemporaryError(
                        f"{NAME}: {what}: rate-limited; CoinGecko asks to wait {wait:.0f}s, "
                        f"longer than {self._config.max_wait_s:.0f}s; try again later"
                    )
                if attempt >= self._config.max_retries:
                    if status == 429:
                        raise TemporaryError(
                            f"{NAME}: {what}: still rate-limited after {attempt + 1} attempts; "
                            "try again later (an API key raises the limit)"
                        )
                    raise SourceUnavailableError(
                        f"{NAME}: {what} failed after {attempt + 1} attempts: HTTP {status}"
                    )
                attempt = self._back_off(what, f"HTTP {status}", attempt, wait)
                continue
            if status == 404:
                raise NotFoundError(f"{NAME}: {what}: {_message(response)}")
            if status >= 400:
                raise SourceUnavailableError(
                    f"{NAME}: {what} was refused (HTTP {status}): {_message(response)}"
                )
            try:
                return response.json()
            except ValueError as error:
                raise DataIntegrityError(
                    f"{NAME}: {what}: the answer is not JSON ({_excerpt(response.text)})"
                ) from error

    def _back_off(self, what: str, reason: str, attempt: int, wait: float | None) -> int:
        delay = wait if wait is not None else self._config.retry_base_s * 2**attempt
        logger.warning(
            "%s: %s failed (%s); retry %d of %d in %.2fs",
            NAME, what, reason, attempt + 1, self._config.max_retries, delay,
        )  # fmt: skip
        self._sleep(delay)
        return attempt + 1

    def _gave_up(self, what: str, reason: str, attempts: int) -> Exception:
        tries = f"after {attempts} attempt{'s' if attempts > 1 else ''}"
        if reason == _TIMEOUT:
            return TemporaryError(f"{NAME}: {what}: timed out {tries}; try again later")
        return SourceUnavailableError(f"{NAME}: {what} failed {tries}: {reason}")


_UNRESOLVABLE = "cannot resolve the host name"
_TIMEOUT = "no answer within the timeout"


def _network_reason(error: httpx.TransportError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return _TIMEOUT
    text = f"{error} {error.__cause__ or ''}".lower()
    if any(marker in text for marker in _NAME_FAILURES):
        return _UNRESOLVABLE
    if isinstance(error, httpx.ConnectError):
        return "connection refused" if "refused" in text else "cannot connect"
    if isinstance(error, httpx.RemoteProtocolError):
        return "connection closed without a response"
    return type(error).__name__


_NAME_FAILURES = ("name or service not known", "nodename nor servname", "name resolution")


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds a 429 asks to wait: Retry-After as seconds or as an HTTP date; None if absent."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - time.time(), 0.0)


def _message(response: httpx.Response) -> str:
    """CoinGecko's own reason from an error body: ``{"error": "..."}``,
    ``{"status": {"error_message": ...}}`` or ``{"error": {"status": {...}}}``."""
    try:
        body = response.json()
    except ValueError:
        return _excerpt(response.text) or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, str):
            return _excerpt(error)
        status = (error if isinstance(error, dict) else body).get("status")
        if isinstance(status, dict) and status.get("error_message"):
            return _excerpt(str(status["error_message"]))
    return _excerpt(str(body))


def _excerpt(text: str) -> str:
    """One short line of ``text``."""
    line = " ".join(text.split())
    return line if len(line) <= 200 else line[:197] + "..."
