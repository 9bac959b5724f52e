"""The API audit log: every write (POST, PUT, PATCH, DELETE) under the API prefix is recorded
once, here, whatever route served it and however it ended (refused writes too): who by the
bearer token's fingerprint, method, path, status, outcome, the entity it acted on and when.

Recording never fails the request: the response has been sent before the row is written, and a
failing insert is logged, not raised."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import anyio
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alpha_arena.api.security import token_fingerprint
from alpha_arena.storage.audit_log import AuditEntry, AuditLogStore

logger = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The most response bytes kept to read an error code or a created id from: their bodies are
#: small; a bigger one is a report whose id, if any, is not worth holding it for.
_BODY_KEPT = 16_384


class AuditWrites:
    """The middleware; ``prefix``: the API's path prefix (writes elsewhere are not the API's)."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self._app = app
        self._prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in WRITE_METHODS
            or not scope["path"].startswith(self._prefix)
        ):
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        ts = int(time.time() * 1000)  # wall time: when the request came, whatever clock runs
        status = 500  # what the client gets when the app raises past us
        body = bytearray()

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and len(body) < _BODY_KEPT:
                body.extend(message.get("body", b"")[: _BODY_KEPT - len(body)])
            await send(message)

        try:
            await self._app(scope, receive, send_and_note)
        finally:
            answer = _json(bytes(body))
            entry = AuditEntry(
                ts=ts, actor=token_fingerprint(HTTPConnection(scope)),
                client=scope["client"][0] if scope.get("client") else None,
                method=scope["method"], path=scope["path"], status=status,
                outcome=_outcome(status, answer),
                entity=entity_of(scope, self._prefix, _created(status, answer)),
                duration_ms=round((time.perf_counter() - started) * 1000),
            )  # fmt: skip
            await _record(scope, entry)


async def _record(scope: Scope, entry: AuditEntry) -> None:
    try:
        store = AuditLogStore(scope["app"].state.arena.context.engine)
        await anyio.to_thread.run_sync(store.record, entry)
    except Exception as error:  # the write itself is done: its record must not undo it
        logger.warning(
            "audit log: %s %s (status %s) not recorded: %s",
            entry.method, entry.path, entry.status, str(error).splitlines()[0] if str(error)
            else type(error).__name__,
        )  # fmt: skip


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except (ValueError, RecursionError):
        return None  # not JSON, or cut at _BODY_KEPT


def _outcome(status: int, answer: Any) -> str:
    """``ok``, or the code of the unified error body (``http_<status>`` without one)."""
    if status < 400:
        return "ok"
    error = answer.get("error") if isinstance(answer, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else f"http_{status}"


def _created(status: int, answer: Any) -> str | None:
    """The id (or name) a write that created something (201, 202) answered with."""
    if status not in (201, 202) or not isinstance(answer, dict):
        return None
    for key in ("id", "job_id", "name"):
        value = answer.get(key)
        if isinstance(value, int | str) and not isinstance(value, bool):
            return str(value)
    return None


def entity_of(scope: Scope, prefix: str, created: str | None) -> str | None:
    """What the write acted on: its route's path up to the last parameter, filled in
    (``agents/alpha`` for POST /agents/alpha/disable), or, for a write that created something
    (201, 202), the route's path and the id it answered (``seasons/7``). None when unknown."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return None  # no route matched (404, 405)
    params = scope.get("path_params") or {}
    parts = template.removeprefix(prefix).strip("/").split("/")
    filled = [str(params.get(part[1:-1], part)) if part.startswith("{") else part for part in parts]
    last_param = max((i for i, part in enumerate(parts) if part.startswith("{")), default=None)
    if last_param is not None:
        return "/".join(filled[: last_param + 1])
    return None if created is None else "/".join([*filled, created])
