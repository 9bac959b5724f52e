"""Who may do what: reads are open on loopback, every write needs the bearer token.

With no ``ARENA_API_TOKEN`` configured the server is read-only and every write gets 403, so a
server started without thinking about security cannot be driven by whoever reaches it."""

from __future__ import annotations

import hmac
import ipaddress
import threading
import time
from collections import deque

from fastapi import Request
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alpha_arena.api.errors import ApiError, error_response
from alpha_arena.api.state import api_state


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host in ("testclient", "localhost"):  # Starlette's in-process test client
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bearer(request: HTTPConnection) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


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
    return api_state(connection).settings.api_public_reads or _is_loopback(host)


def require_reader(request: Request) -> None:
    """Reads: open on loopback, else they need the token."""
    if reads_open(request) or token_matches(request):
        return
    raise ApiError(401, "unauthorized", "reads from beyond loopback need the bearer token")


def require_writer(request: Request) -> None:
    """Writes: the bearer token, within the per-client rate limit."""
    state = api_state(request)
    if state.settings.api_token is None:
        raise ApiError(
            403, "forbidden", "the server is read-only: set ARENA_API_TOKEN to allow writes"
        )
    if _bearer(request) is None:
        raise ApiError(401, "unauthorized", "this write needs `Authorization: Bearer <token>`")
    if not token_matches(request):
        raise ApiError(401, "unauthorized", "the bearer token is wrong")
    host = request.client.host if request.client else "unknown"
    if not state.write_limiter.allow(host):
        raise ApiError(
            429, "rate_limited",
            f"more than {state.settings.api_writes_per_minute} writes a minute; slow down",
        )  # fmt: skip


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
