"""Who may do what: reads are open on loopback, every write needs the bearer token.

With no ``ARENA_API_TOKEN`` configured the server is read-only and every write gets 403, so a
server started without thinking about security cannot be driven by whoever reaches it. Wrong
tokens are throttled per client, so the token cannot be guessed at the server's speed."""

from __future__ import annotations

import hmac
import ipaddress
import json
import math
import threading
import time
from collections import deque
from typing import Any

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alpha_arena.api.errors import ApiError, error_response
from alpha_arena.api.state import api_state
from alpha_arena.domain.accounts import fingerprint


def is_loopback(host: str | None) -> bool:
    """Whether the client's address is a loopback one. By address only: a name (``localhost``,
    a test client's ``testclient``, whatever a proxy's X-Forwarded-For carried) is not."""
    if host is None:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def client_key(connection: HTTPConnection) -> str:
    """Whom a rate limit or the failed-token count applies to: the client's address."""
    return connection.client.host if connection.client else "unknown"


def _bearer(request: HTTPConnection) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_fingerprint(connection: HTTPConnection) -> str | None:
    """Who sent the request, as the audit log names them: the first hex digits of the bearer
    token's SHA-256 (never the token); None when the request carried no token."""
    given = _bearer(connection)
    return None if given is None else fingerprint(given)


def token_matches(connection: HTTPConnection, given: str | None = None) -> bool:
    """Whether ``given`` (by default the request's bearer token) is the configured token."""
    expected = api_state(connection).settings.api_token
    given = given if given is not None else _bearer(connection)
    if expected is None or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.get_secret_value().encode())


def reads_open(connection: HTTPConnection) -> bool:
    """Reads are open to loopback clients (or everyone with ARENA_API_PUBLIC_READS)."""
    host = connection.client.host if connection.client else None
    return api_state(connection).settings.api_public_reads or is_loopback(host)


def may_read(connection: HTTPConnection) -> bool:
    """Whether the connection may read as it came: from loopback, on a server with public
    reads, or with the right bearer token (a wrong one counts against the client)."""
    return reads_open(connection) or (_bearer(connection) is not None and checked_token(connection))


async def require_reader(request: Request) -> None:
    """Reads: open on loopback, else they need the token. (A coroutine, not a function, only
    so that FastAPI runs it on the event loop: a plain function would cost every read a trip
    through the thread pool.)"""
    if may_read(request):
        return
    raise ApiError(401, "unauthorized", "reads from beyond loopback need the bearer token")


def checked_token(connection: HTTPConnection, given: str | None = None) -> bool:
    """Whether the token (by default the bearer's) is right, counting a wrong one against the
    client; a client with too many wrong ones gets 429 whatever it sends, until its window
    has passed (else it could go on guessing at full speed)."""
    state = api_state(connection)
    client = client_key(connection)
    wait_s = state.auth_throttle.locked_for(client)
    if wait_s is not None:
        raise HTTPException(
            429, f"too many wrong tokens from this client; retry in {wait_s} s",
            headers={"Retry-After": str(wait_s)},
        )  # fmt: skip
    if token_matches(connection, given):
        return True
    state.auth_throttle.failed(client)
    return False


async def refuse_nul(request: Request) -> None:
    """Refuse a NUL character anywhere in the request's text (path, query, JSON body) with 400.

    PostgreSQL can neither store nor compare text holding NUL (psycopg raises) while SQLite
    can, so unchecked the same request is a 500 on one backend and a 200 on the other. A
    router dependency (after ``require_reader``) for routes that pass text on to the database
    as it came; one check covers path, query and body, whatever the route's parameters."""
    where = None
    if _NUL in request.scope["path"]:
        where = "path"
    elif any(_NUL in key or _NUL in value for key, value in request.query_params.multi_items()):
        where = "query"
    else:
        body = await request.body()  # FastAPI has read it already for routes with a body
        if _JSON_NUL in body and _holds_nul(_json_or_none(body)):
            where = "body"
    if where is not None:
        raise ApiError(
            400, "invalid_input", f"the request {where} holds a NUL character (\\x00); "
            "no text here may contain one",
        )  # fmt: skip


_NUL = "\x00"
_JSON_NUL = b"\\u0000"  # the only way JSON can carry NUL


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON (or nested too deep to read): the route's validation answers it


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return _NUL in value
    if isinstance(value, dict):
        return any(_NUL in key or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def require_writer(request: Request) -> None:
    """Writes: the bearer token, within the per-client rate limit."""
    state = api_state(request)
    if state.settings.api_token is None:
        raise ApiError(
            403, "forbidden", "the server is read-only: set ARENA_API_TOKEN to allow writes"
        )
    if _bearer(request) is None:
        raise ApiError(401, "unauthorized", "this write needs `Authorization: Bearer <token>`")
    if not checked_token(request):
        raise ApiError(401, "unauthorized", "the bearer token is wrong")
    if not state.write_limiter.allow(client_key(request)):
        raise ApiError(
            429, "rate_limited",
            f"more than {state.settings.api_writes_per_minute} writes a minute; slow down",
        )  # fmt: skip


async def require_token_holder(request: Request) -> None:
    """Reads only the token's holder may make (the audit log), wherever they come from. (A
    coroutine for the reason ``require_reader`` is one.)"""
    if api_state(request).settings.api_token is None:
        raise ApiError(403, "forbidden", "only the API token's holder may read this: set "
                       "ARENA_API_TOKEN (or use the CLI on the server)")  # fmt: skip
    if _bearer(request) is None:
        raise ApiError(401, "unauthorized", "this read needs `Authorization: Bearer <token>`")
    if not checked_token(request):
        raise ApiError(401, "unauthorized", "the bearer token is wrong")


class RateLimiter:
    """A sliding one-minute window per client."""

    def __init__(self, per_minute: int) -> None:
        self._limit = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            window = self._seen.setdefault(client, deque())
            while window and now - window[0] >= 60.0:
                window.popleft()
            if len(window) >= self._limit:
                return False
            window.append(now)
            return True


class AuthThrottle:
    """Failed authentications per client in a sliding window: ``max_failures`` of them lock
    the client out until the oldest has left the window."""

    def __init__(self, max_failures: int, window_s: float) -> None:
        self._max = max_failures
        self._window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def locked_for(self, client: str) -> int | None:
        """Whole seconds until ``client`` may try again, or None when it may now."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(client, now)
            if failures is None or len(failures) < self._max:
                return None
            return max(1, math.ceil(failures[0] + self._window_s - now))

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) >= _TRACKED_CLIENTS:
                for other in list(self._failures):  # forget those whose window has passed
                    self._recent(other, now)
            self._failures.setdefault(client, deque(maxlen=self._max)).append(now)

    def _recent(self, client: str, now: float) -> deque[float] | None:
        failures = self._failures.get(client)
        if failures is None:
            return None
        while failures and now - failures[0] >= self._window_s:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures


_TRACKED_CLIENTS = 10_000


class BodySizeLimit:
    """Refuse request bodies above ``limit`` bytes with 413, whether declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self._app = app
        self._limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self._limit:
                    raise _BodyTooLargeError
            return message

        try:
            await self._app(scope, counted, send)
        except _BodyTooLargeError:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413, "body_too_large", f"the request body is over {self._limit} bytes"
        )
        await response(scope, receive, send)


class _BodyTooLargeError(Exception):
    pass
