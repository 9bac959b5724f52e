"""Live updates over a WebSocket: a client subscribes to one season and receives what its
runner commits, as typed envelopes ``{"type", "data"}``:

- ``subscribed``: the season's status and progress when the subscription starts;
- ``tick``: one committed tick, with every entry's equity, cash and exposure;
- ``decision``: a decision with the model chat behind it; ``fill``: a fill;
- ``leaderboard``: the ranking, after ticks were committed (at most one a second) and at the end;
- ``status``: the season changed status (paused, finished...);
- ``error``: a message that could not be served, in the API's error body.

The feed reads what is committed in the database, so it works the same whether the season is
driven by this server's runner or by `arena season run` elsewhere, and a client may ask for the
ticks it missed with ``from_tick``. Clients beyond loopback authenticate first, with the bearer
token in the Authorization header or in an ``{"type": "auth", "data": {"token"}}`` message."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, ValidationError

from alpha_arena.api.routes.season_ledger import decision_out, fill_out
from alpha_arena.api.routes.seasons import leaderboard_json
from alpha_arena.api.security import reads_open, token_matches
from alpha_arena.api.state import ApiState, api_state
from alpha_arena.core.errors import ArenaError
from alpha_arena.core.time import to_iso
from alpha_arena.domain.seasons import SeasonStatus
from alpha_arena.storage.season_queries import SeasonQueries, SeasonVersion
from alpha_arena.storage.season_store import SeasonStore

router = APIRouter(tags=["live"])

POLL_S = 0.2
MAX_TICKS_PER_POLL = 500  # a client catching up gets the backlog in slices, staying responsive
LEADERBOARD_EVERY_S = 1.0


class Subscribe(BaseModel):
    season_id: int = Field(ge=1, le=2**31 - 1)
    from_tick: int | None = Field(
        default=None, ge=0, le=10_000_000,
        description="Replay committed ticks from here; by default only new ones.",
    )  # fmt: skip


class SeasonFeed:
    """What one season committed since the last poll, as envelopes."""

    def __init__(self, state: ApiState, season_id: int, cursor: int) -> None:
        self._state = state
        self._queries = SeasonQueries(state.context.engine)
        self.season_id = season_id
        self.cursor = cursor  # the first tick not yet sent
        self._names = self._queries.entry_names(season_id)
        self._status: str | None = None
        self._board_sent_at = 0.0
        self._board_due = False

    def poll(self) -> tuple[list[dict[str, Any]], SeasonVersion | None]:
        version = self._queries.version(self.season_id)
        if version is None:
            return [], None
        messages: list[dict[str, Any]] = []
        if version.ticks_done > self.cursor:
            last = min(version.ticks_done, self.cursor + MAX_TICKS_PER_POLL) - 1
            messages += self._ticks(self.cursor, last)
            self.cursor = last + 1
            self._board_due = True
        if self._status is not None and version.status != self._status:
            messages.append(_envelope("status", self._status_data(version)))
            self._board_due = True
        self._status = version.status
        return messages, version

    def leaderboard_due(self, caught_up: bool) -> bool:
        """After new ticks, at most once a second, and always once the backlog is sent."""
        if not self._board_due:
            return False
        return caught_up and (
            time.monotonic() - self._board_sent_at >= LEADERBOARD_EVERY_S
            or self._status != SeasonStatus.RUNNING.value
        )

    def leaderboard_sent(self) -> None:
        self._board_due = False
        self._board_sent_at = time.monotonic()

    def subscribed(self) -> dict[str, Any]:
        version = self._queries.version(self.season_id)
        assert version is not None
        self._status = version.status
        return _envelope("subscribed", self._status_data(version) | {"from_tick": self.cursor})

    def _status_data(self, version: SeasonVersion) -> dict[str, Any]:
        season = SeasonStore(self._state.context.engine).get(self.season_id)
        return {"season_id": self.season_id, "status": version.status,
                "ticks_done": version.ticks_done, "message": season.message}  # fmt: skip

    def _ticks(self, first: int, last: int) -> list[dict[str, Any]]:
        rows = self._queries.ticks_between(list(self._names), first, last)
        calls = self._queries.calls_at([(r["entry_id"], r["tick"]) for r in rows["decisions"]])
        by_tick: dict[int, list[dict[str, Any]]] = {}
        for kind in ("decisions", "fills"):
            for row in rows[kind]:
                if kind == "decisions":
                    key = (row["entry_id"], row["tick"])
                    out = decision_out(self._names[row["entry_id"]], row, calls.get(key, []))
                    envelope = _envelope("decision", out.model_dump(mode="json"))
                else:
                    out_fill = fill_out(self._names[row["entry_id"]], row)
                    envelope = _envelope("fill", out_fill.model_dump(mode="json"))
                by_tick.setdefault(row["tick"], []).append(envelope)
        equity: dict[int, list[dict[str, Any]]] = {}
        stamp: dict[int, int] = {}
        for row in rows["equity"]:
            stamp[row["tick"]] = row["ts"]
            equity.setdefault(row["tick"], []).append(
                {"entry": self._names[row["entry_id"]], "equity": row["equity"],
                 "cash": row["cash"], "exposure": row["exposure"]}
            )  # fmt: skip
        messages = []
        for tick in range(first, last + 1):
            messages += by_tick.get(tick, [])
            if tick in equity:
                messages.append(_envelope("tick", {
                    "season_id": self.season_id, "tick": tick, "ts": stamp[tick],
                    "time": to_iso(stamp[tick]), "entries": equity[tick],
                }))  # fmt: skip
        return messages


def _envelope(kind: str, data: Any) -> dict[str, Any]:
    return {"type": kind, "data": data}


def _error(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return _envelope("error", {"code": code, "message": message, "details": details})


@router.websocket("/ws")
async def live(websocket: WebSocket) -> None:
    await websocket.accept()
    state = api_state(websocket)
    authorized = reads_open(websocket) or token_matches(websocket)
    feed: SeasonFeed | None = None
    receiving = asyncio.ensure_future(websocket.receive_text())
    try:
        while True:
            done, _ = await asyncio.wait({receiving}, timeout=POLL_S if feed else None)
            if receiving in done:
                text = receiving.result()  # raises WebSocketDisconnect when the client left
                receiving = asyncio.ensure_future(websocket.receive_text())
                reply, authorized, feed = await _handle(state, websocket, text, authorized, feed)
                if reply is not None:
                    await websocket.send_json(reply)
            if feed is not None:
                try:
                    await _send_updates(state, websocket, feed)
                except ArenaError as error:  # the season was deleted, the database is down...
                    await websocket.send_json(_error("feed_failed", str(error)))
                    feed = None
    except WebSocketDisconnect:
        pass
    finally:
        receiving.cancel()


async def _handle(
    state: ApiState, websocket: WebSocket, text: str, authorized: bool, feed: SeasonFeed | None
) -> tuple[dict[str, Any] | None, bool, SeasonFeed | None]:
    """Answer one client message; return the reply, whether authorized, and the feed."""
    try:
        message = json.loads(text)
        kind, data = message.get("type"), message.get("data") or {}
        if not isinstance(data, dict):
            raise TypeError
    except (ValueError, TypeError, AttributeError):
        return _error("bad_request", 'send JSON: {"type": ..., "data": {...}}'), authorized, feed
    if kind == "ping":
        return _envelope("pong", {}), authorized, feed
    if kind == "auth":
        if token_matches(websocket, str(data.get("token", ""))):
            return _envelope("authorized", {}), True, feed
        return _error("unauthorized", "the bearer token is wrong"), authorized, feed
    if kind != "subscribe":
        return _error("bad_request", f"unknown message type {kind!r}; use subscribe, auth or "
                      "ping"), authorized, feed  # fmt: skip
    if not authorized:
        return _error("unauthorized", "beyond loopback, authenticate first"), authorized, feed
    try:
        request = Subscribe.model_validate(data)
        version = SeasonQueries(state.context.engine).version(request.season_id)
        if version is None:
            return _error("not_found", f"no season {request.season_id}"), authorized, feed
        cursor = version.ticks_done if request.from_tick is None else request.from_tick
        feed = await run_in_threadpool(SeasonFeed, state, request.season_id, cursor)
        return await run_in_threadpool(feed.subscribed), authorized, feed
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return _error("validation_error", f"{where}: {first['msg']}"), authorized, feed
    except ArenaError as error:
        return _error("invalid_input", str(error)), authorized, feed


async def _send_updates(state: ApiState, websocket: WebSocket, feed: SeasonFeed) -> None:
    messages, version = await run_in_threadpool(feed.poll)
    for message in messages:
        await websocket.send_json(message)
    if version is not None and feed.leaderboard_due(caught_up=feed.cursor >= version.ticks_done):
        board = json.loads(await leaderboard_json(state, feed.season_id))
        await websocket.send_json(_envelope("leaderboard", board))
        feed.leaderboard_sent()
