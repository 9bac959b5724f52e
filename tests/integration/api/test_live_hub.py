"""The live feed's reads: one shared read of a watched season at most once a second, however
many sockets watch it; none at all for a finished season once its final status and leaderboard
went out; and the embedded runner's commits reaching subscribers at once, not at the next read.
Reads are counted as the statements the database really receives (SQLAlchemy's events)."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from starlette.testclient import WebSocketTestSession

from alpha_arena.api.app import create_app
from alpha_arena.domain.seasons import SeasonEvent
from alpha_arena.services import seasons
from alpha_arena.services.context import AppContext
from tests.integration.api.conftest import AUTH, BTC, LOOPBACK

_names = itertools.count()
SOCKETS = 10
WINDOW_S = 2.5  # two and a half poll intervals
VERSION_READ = "SELECT seasons.status, seasons.ticks_done, seasons.ts_updated"


class StatementCount:
    """The statements the engine sends while counting, all of them and the version reads."""

    def __init__(self) -> None:
        self.all = 0
        self.version_reads = 0
        self._lock = threading.Lock()

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        with self._lock:
            self.all += 1
            self.version_reads += statement.lstrip().startswith(VERSION_READ)


@contextmanager
def counting(context: AppContext) -> Iterator[StatementCount]:
    count = StatementCount()
    event.listen(context.engine, "before_cursor_execute", count)
    try:
        yield count
    finally:
        event.remove(context.engine, "before_cursor_execute", count)


def new_season(client: TestClient, start: str = "2024-03-01", end: str = "2024-03-03") -> int:
    body = {"name": f"hub-season-{next(_names)}", "symbols": [BTC], "start": start, "end": end,
            "participants": []}  # fmt: skip
    response = client.post("/api/v1/seasons", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def subscribe(
    stack: ExitStack, client: TestClient, season_id: int, count: int = SOCKETS, **data: Any
) -> list[WebSocketTestSession]:
    sockets = [stack.enter_context(client.websocket_connect("/api/v1/ws")) for _ in range(count)]
    for ws in sockets:
        ws.send_json({"type": "subscribe", "data": {"season_id": season_id, **data}})
        assert ws.receive_json()["type"] == "subscribed"
    return sockets


def settled(sockets: list[WebSocketTestSession]) -> None:
    """Every socket's handler has run past its subscription (it answered a later ping)."""
    for ws in sockets:
        ws.send_json({"type": "ping"})
    for ws in sockets:
        while ws.receive_json()["type"] != "pong":
            pass


def receive_until(ws: WebSocketTestSession, done: Any, limit: int = 20_000) -> list[dict[str, Any]]:
    messages = []
    for _ in range(limit):
        messages.append(ws.receive_json())
        if done(messages[-1]):
            return messages
    raise AssertionError(f"not there after {limit} messages: {messages[-3:]}")


def finished_board(message: dict[str, Any]) -> bool:
    return bool(message["type"] == "leaderboard" and message["data"]["status"] == "finished")


def test_sockets_watching_one_season_share_one_read_a_second(
    client: TestClient, market: AppContext
) -> None:
    """A season run elsewhere (this server has no runner): ten sockets, yet the database sees
    about one read of it a second, not one per socket five times a second."""
    season_id = new_season(client)
    assert client.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH).status_code == 200
    with ExitStack() as stack:
        sockets = subscribe(stack, client, season_id)
        settled(sockets)
        started = time.monotonic()
        with counting(market) as count:
            time.sleep(WINDOW_S)
        elapsed = time.monotonic() - started
        settled(sockets)
    assert 1 <= count.version_reads <= elapsed + 1, (count.version_reads, elapsed)
    assert count.all == count.version_reads  # nothing committed: nothing else read


def test_a_paused_season_is_still_read_and_reaches_subscribers_when_run_elsewhere(
    client: TestClient, market: AppContext
) -> None:
    """Paused here, resumed and run to its end by another runner (`arena season run`): the
    once-a-second read brings every tick, once and in order, then the end."""
    season_id = new_season(client)
    client.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH)
    client.post(f"/api/v1/seasons/{season_id}/pause", headers=AUTH)
    with ExitStack() as stack:
        sockets = subscribe(stack, client, season_id, count=3)
        settled(sockets)
        seasons.transition(market, season_id, SeasonEvent.RESUME)
        seasons.run_season(market, season_id)
        for ws in sockets:
            messages = receive_until(ws, finished_board)
            ticks = [m["data"]["tick"] for m in messages if m["type"] == "tick"]
            assert ticks == list(range(48))
            statuses = [m["data"]["status"] for m in messages if m["type"] == "status"]
            assert statuses[-1] == "finished"  # (running may have come and gone between reads)


def test_a_finished_season_is_not_read_again(client: TestClient, market: AppContext) -> None:
    """Finished before the sockets came (one of them replaying it), and finished while they
    watched: after the final status and leaderboard the database hears nothing of it."""
    done_before = new_season(client)
    seasons.run_season(market, done_before)
    watched = new_season(client)
    client.post(f"/api/v1/seasons/{watched}/start", headers=AUTH)
    with ExitStack() as stack:
        late = subscribe(stack, client, done_before)
        [replaying] = subscribe(stack, client, done_before, count=1, from_tick=0)
        ticks = receive_until(replaying, finished_board)
        assert [m["data"]["tick"] for m in ticks if m["type"] == "tick"] == list(range(48))
        ending = subscribe(stack, client, watched)
        assert client.post(f"/api/v1/seasons/{watched}/end", headers=AUTH).status_code == 200
        for ws in ending:
            [status, board] = receive_until(ws, finished_board)
            assert status["type"] == "status" and status["data"]["status"] == "finished"
            assert board["data"]["status"] == "finished"
        settled([*late, replaying, *ending])
        with counting(market) as count:
            time.sleep(WINDOW_S)
        settled([*late, replaying, *ending])  # still connected, still answering
    assert count.all == 0


def test_the_runners_commits_reach_subscribers_at_once(market: AppContext) -> None:
    """With the once-a-second read stretched to an hour, the embedded runner's commits alone
    bring every tick to every socket, in order; and the reads they wake are shared."""
    settings = market.settings.model_copy(update={"api_live_poll_s": 3600.0})
    app = create_app(settings, market, embedded_runner=True)
    with TestClient(app, client=LOOPBACK) as client, ExitStack() as stack:
        season_id = new_season(client, start="2024-01-01", end="2024-02-01")  # 744 ticks
        sockets = subscribe(stack, client, season_id)
        settled(sockets)
        with counting(market) as count:
            started = time.monotonic()
            client.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH)
            for ws in sockets:
                messages = receive_until(
                    ws, lambda m: m["type"] == "tick" and m["data"]["tick"] == 743
                )
                ticks = [m["data"]["tick"] for m in messages if m["type"] == "tick"]
                assert ticks == list(range(744))
            elapsed = time.monotonic() - started
    # At most ten reads a second (commits close together are read together) and a
    # leaderboard's version check a second, for all ten sockets together.
    assert count.version_reads <= 11 * elapsed + 5, (count.version_reads, elapsed)
