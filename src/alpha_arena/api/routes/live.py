"""Live updates over a WebSocket: a client subscribes to one season and receives what its
runner commits, as typed envelopes ``{"type", "data"}``:

- ``subscribed``: the season's status and progress when the subscription starts;
- ``tick``: one committed tick, with every entry's equity, cash and exposure;
- ``decision``: a decision with the model chat behind it; ``fill``: a fill;
- ``leaderboard``: the ranking, after ticks were committed (at most one a second) and at the end;
- ``status``: the season changed status (paused, finished...);
- ``error``: a message that could not be served, in the API's error body.

The feed reads what is committed in the database (one shared read per season, see
``live_hub``), so it works the same whether the season is driven by this server's runner or by
`arena season run` elsewhere, and a client may ask for the ticks it missed with ``from_tick``.
Clients beyond loopback authenticate first, with the bearer token in the Authorization header
or in an ``{"type": "auth", "data": {"token"}}`` message; a few wrong ones close the socket.
A browser page may connect only from the server's own origin or a configured CORS origin."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException
from starlette.types import Message

from alpha_arena.api.hosts import origin_allowed
from alpha_arena.api.live_hub import (
    SeasonReader,
    SubscriberTooSlowError,
    Subscription,
    envelope,
)
from alpha_arena.api.security import client_key, may_read, token_matches
from alpha_arena.api.state import ApiState, api_state
from alpha_arena.core.errors import ArenaError
from alpha_arena.storage.season_queries import SeasonVersion

router = APIRouter(tags=["live"])

MAX_AUTH_FAILURES = 3  # wrong `auth` messages before the socket is closed
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
_SEND_JSON = 'send JSON text frames: {"type": ..., "data": {...}}'


class Subscribe(BaseModel):
    season_id: int = Field(ge=1, le=2**31 - 1)
    from_tick: int | None = Field(
        default=None, ge=0, le=10_000_000,
        description="Replay committed ticks from here; by default only new ones.",
    )  # fmt: skip


def _error(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return envelope("error", {"code": code, "message": message, "details": details})


@router.websocket("/ws")
async def live(websocket: WebSocket) -> None:
    state = api_state(websocket)
    headers = websocket.headers
    if not origin_allowed(
        headers.get("origin"), websocket.url.scheme, headers.get("host"), state.hosts,
        state.settings.cors_origins(),
    ):  # fmt: skip
        # Refused before the handshake: the page's script sees a failed connection.
        await websocket.close(POLICY_VIOLATION, "this Origin may not open the live feed")
        return
    try:
        authorized = may_read(websocket)
    except HTTPException:  # too many wrong tokens from this client
        await websocket.close(POLICY_VIOLATION, "too many wrong tokens from this client")
        return
    await websocket.accept()
    await LiveSession(state, websocket, authorized).serve()


class LiveSession:
    """One socket: its client's messages answered, its subscription's updates forwarded."""

    def __init__(self, state: ApiState, websocket: WebSocket, authorized: bool) -> None:
        self._state = state
        self._websocket = websocket
        self._authorized = authorized
        self._auth_failures = 0
        self._closing: str | None = None  # the reason the socket is to be closed
        self._close_code = POLICY_VIOLATION
        self._subscription: Subscription | None = None
        self._forwarding: asyncio.Future[list[str]] | None = None

    async def serve(self) -> None:
        receiving = asyncio.ensure_future(self._websocket.receive())
        try:
            while self._closing is None:
                waiting: set[asyncio.Future[Any]] = {receiving}
                if self._forwarding is not None:
                    waiting.add(self._forwarding)
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if self._forwarding is not None and self._forwarding in done:
                    await self._forward()
                if receiving in done and self._closing is None:
                    message = receiving.result()
                    if message["type"] == "websocket.disconnect":
                        return
                    receiving = asyncio.ensure_future(self._websocket.receive())
                    reply = await self._answer(message)
                    if reply is not None:
                        await self._websocket.send_json(reply)
            await self._websocket.close(self._close_code, self._closing)
        except WebSocketDisconnect:
            pass
        finally:
            receiving.cancel()
            self._unsubscribe()

    async def _forward(self) -> None:
        assert self._forwarding is not None and self._subscription is not None
        forwarding, self._forwarding = self._forwarding, None
        try:
            texts = forwarding.result()
        except SubscriberTooSlowError as error:
            self._close_code = TRY_AGAIN_LATER
            self._closing = f"{error}; reconnect with from_tick={error.cursor}"
            return
        for text in texts:
            await self._websocket.send_text(text)
        if not self._subscription.done:
            self._forwarding = asyncio.ensure_future(self._subscription.next())

    async def _answer(self, message: Message) -> dict[str, Any] | None:
        """Answer one client message (None: no answer)."""
        text = message.get("text")
        if text is None:
            return _error("bad_request", f"binary frames are not read; {_SEND_JSON}")
        try:
            parsed = json.loads(text)
            kind, data = parsed.get("type"), parsed.get("data") or {}
            if not isinstance(data, dict):
                raise TypeError
        except (ValueError, TypeError, AttributeError, RecursionError):  # nested too deep
            return _error("bad_request", _SEND_JSON)
        if kind == "ping":
            return envelope("pong", {})
        if kind == "auth":
            return self._authenticate(str(data.get("token", "")))
        if kind != "subscribe":
            return _error("bad_request", f"unknown message type {kind!r}; use subscribe, auth "
                          "or ping")  # fmt: skip
        if not self._authorized:
            return _error("unauthorized", "beyond loopback, authenticate first")
        return await self._subscribe(data)

    def _authenticate(self, token: str) -> dict[str, Any]:
        throttle, client = self._state.auth_throttle, client_key(self._websocket)
        wait_s = throttle.locked_for(client)
        if wait_s is None:
            if token_matches(self._websocket, token):
                self._authorized = True
                return envelope("authorized", {})
            throttle.failed(client)
            self._auth_failures += 1
            wait_s = throttle.locked_for(client)
        if wait_s is not None:
            self._closing = "too many wrong tokens from this client"
            return _error("rate_limited", f"too many wrong tokens from this client; retry in "
                          f"{wait_s} s")  # fmt: skip
        if self._auth_failures >= MAX_AUTH_FAILURES:
            self._closing = f"{MAX_AUTH_FAILURES} wrong tokens"
        return _error("unauthorized", "the bearer token is wrong")

    async def _subscribe(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            request = Subscribe.model_validate(data)
            reader = self._state.hub.reader(request.season_id)
            found = await run_in_threadpool(_snapshot, reader)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            return _error("validation_error", f"{where}: {first['msg']}")
        except ArenaError as error:
            return _error("invalid_input", str(error))
        if found is None:
            return _error("not_found", f"no season {request.season_id}")
        version, status = found
        self._unsubscribe()
        start = version.ticks_done if request.from_tick is None else request.from_tick
        self._subscription = self._state.hub.join(reader, version, start)
        self._forwarding = asyncio.ensure_future(self._subscription.next())
        return envelope("subscribed", status | {"from_tick": start})

    def _unsubscribe(self) -> None:
        if self._forwarding is not None:
            self._forwarding.cancel()
            self._forwarding = None
        if self._subscription is not None:
            self._state.hub.leave(self._subscription)
            self._subscription = None


def _snapshot(reader: SeasonReader) -> tuple[SeasonVersion, dict[str, Any]] | None:
    version = reader.version()
    return None if version is None else (version, reader.status_data(version))
