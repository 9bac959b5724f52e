"""Who may do what: reads are open on loopback, every write needs the bearer token.

With no ``ARENA_API_TOKEN`` configured the server is read-only and every write gets 403, so a
server started without thinking about security cannot be driven by whoever reaches it."""

from __future__ import annotations

import hmac
import ipaddress
import json
import threading
import time
from collections import deque
from typing import Any

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


async def require_reader(request: Request) -> None:
    """Reads: open on loopback, else they need the token. (A coroutine, not a function, only
    so that FastAPI runs it on the event loop: a plain function would cost every read a trip
    through the thread pool.)"""
    if reads_open(request) or token_matches(request):
        return
    raise ApiError(401, "unauthorized", "reads from beyond loopback need the bearer token")


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
