"""One live feed per season, shared by every WebSocket subscribed to it.

A season's channel reads what was committed (one query for the season's version, then the new
ticks' rows) and fans the encoded envelopes out to its subscribers' queues. It reads when the
embedded runner says it committed a tick (``notify``, from the runner's thread), and otherwise
at most once per ``poll_s``, for seasons run by another process or paused (another process may
resume them). A finished or canceled season is never read again once its final status and
leaderboard went out, and a season nobody watches has no channel at all.

A subscriber joins a channel at the channel's cursor (the first tick it has not published yet)
without yielding to the event loop, so every tick from there on reaches its queue; the ticks
before it that the client asked for (``from_tick``) it reads itself, in slices, and sends
first. Each tick so reaches it exactly once and in order."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from alpha_arena.api.routes.season_ledger import decision_out, fill_out
from alpha_arena.core.errors import ArenaError, NotFoundError
from alpha_arena.core.time import to_iso
from alpha_arena.domain.seasons import SeasonStatus
from alpha_arena.storage.season_queries import SeasonQueries, SeasonVersion
from alpha_arena.storage.season_store import SeasonStore

logger = logging.getLogger(__name__)

MAX_TICKS_PER_READ = 500  # a long backlog goes out in slices, the socket staying responsive
LEADERBOARD_EVERY_S = 1.0
COALESCE_S = 0.1  # commits closer together than this are read (and sent) together
QUEUE_UPDATES = 1_000  # a subscriber this far behind is dropped (it reconnects with from_tick)
ENDED = frozenset({SeasonStatus.FINISHED.value, SeasonStatus.CANCELED.value})

Leaderboard = Callable[[int], Awaitable[bytes]]
TickMessages = tuple[tuple[int, tuple[str, ...]], ...]  # (tick, its encoded envelopes)


def envelope(kind: str, data: Any) -> dict[str, Any]:
    return {"type": kind, "data": data}


def encode(kind: str, data: Any) -> str:
    return json.dumps(envelope(kind, data), separators=(",", ":"), ensure_ascii=False)


def error_text(code: str, message: str) -> str:
    return encode("error", {"code": code, "message": message, "details": None})


def board_text(board: bytes) -> str:
    return f'{{"type":"leaderboard","data":{board.decode()}}}'


@dataclass(frozen=True, slots=True)
class Update:
    """What a channel publishes: committed ticks, or one other envelope (status, leaderboard,
    error). ``final``: the feed ends after it (it failed)."""

    ticks: TickMessages = ()
    text: str | None = None
    status: str | None = None
    final: bool = False


class SeasonReader:
    """A season's committed state, as encoded envelopes."""

    def __init__(self, engine: Engine, season_id: int) -> None:
        self.season_id = season_id
        self._queries = SeasonQueries(engine)
        self._store = SeasonStore(engine)
        self._names: dict[int, str] | None = None

    def version(self) -> SeasonVersion | None:
        return self._queries.version(self.season_id)

    def status_data(self, version: SeasonVersion) -> dict[str, Any]:
        season = self._store.get(self.season_id)
        return {"season_id": self.season_id, "status": version.status,
                "ticks_done": version.ticks_done, "message": season.message}  # fmt: skip

    def ticks(self, first: int, last: int) -> TickMessages:
        """Ticks ``first..last``: each one's decisions and fills, then its ``tick``."""
        if self._names is None:
            self._names = self._queries.entry_names(self.season_id)
        names = self._names
        rows = self._queries.ticks_between(list(names), first, last)
        calls = self._queries.calls_at([(r["entry_id"], r["tick"]) for r in rows["decisions"]])
        by_tick: dict[int, list[str]] = {}
        for row in rows["decisions"]:
            key = (row["entry_id"], row["tick"])
            decision = decision_out(names[row["entry_id"]], row, calls.get(key, []))
            by_tick.setdefault(row["tick"], []).append(
                encode("decision", decision.model_dump(mode="json"))
            )
        for row in rows["fills"]:
            fill = fill_out(names[row["entry_id"]], row).model_dump(mode="json")
            by_tick.setdefault(row["tick"], []).append(encode("fill", fill))
        equity: dict[int, list[dict[str, Any]]] = {}
        stamp: dict[int, int] = {}
        for row in rows["equity"]:
            stamp[row["tick"]] = row["ts"]
            equity.setdefault(row["tick"], []).append(
                {"entry": names[row["entry_id"]], "equity": row["equity"],
                 "cash": row["cash"], "exposure": row["exposure"]}
            )  # fmt: skip
        found = []
        for tick in range(first, last + 1):
            texts = by_tick.get(tick, [])
            if tick in equity:
                texts.append(encode("tick", {
                    "season_id": self.season_id, "tick": tick, "ts": stamp[tick],
                    "time": to_iso(stamp[tick]), "entries": equity[tick],
                }))  # fmt: skip
            if texts:
                found.append((tick, tuple(texts)))
        return tuple(found)


class SubscriberTooSlowError(Exception):
    """The client did not read its updates fast enough; it may reconnect from ``cursor``."""

    def __init__(self, cursor: int) -> None:
        super().__init__(f"this client fell {QUEUE_UPDATES} updates behind")
        self.cursor = cursor


class Subscription:
    """One socket's view of a season: the backlog it asked for, then its channel's updates."""

    def __init__(
        self, hub: LiveHub, reader: SeasonReader, channel: SeasonChannel | None, start: int,
        live_from: int, status: str,
    ) -> None:  # fmt: skip
        self.hub = hub
        self.channel = channel
        self.cursor = start  # the first tick not yet sent
        self.done = False  # nothing more will come
        self.left = False
        self._reader = reader
        self._live_from = live_from  # ticks from here come through the queue
        self._status = status
        self._queue: asyncio.Queue[Update] = asyncio.Queue(QUEUE_UPDATES)
        self._overflowed = False

    def offer(self, update: Update) -> None:
        if self._overflowed:
            return
        try:
            self._queue.put_nowait(update)
        except asyncio.QueueFull:  # so its next() is not waiting: the next call raises
            self._overflowed = True
            self.hub.leave(self)

    async def next(self) -> list[str]:
        """The next envelopes to send (maybe none); ``done`` tells when the feed is over."""
        if self._overflowed:
            raise SubscriberTooSlowError(self.cursor)
        try:
            if self.cursor < self._live_from:
                return await self._backlog()
            if self.channel is None:
                self.done = True
                return []
            return self._filter(await self._queue.get())
        except ArenaError as error:
            return self._end(error_text("feed_failed", str(error)))
        except Exception:  # not one of ours: the log says what, the client that it failed
            logger.exception("season %d: the live feed failed", self._reader.season_id)
            return self._end(error_text("feed_failed", "the live feed failed; see the server log"))

    async def _backlog(self) -> list[str]:
        last = min(self._live_from, self.cursor + MAX_TICKS_PER_READ) - 1
        ticks = await run_in_threadpool(self._reader.ticks, self.cursor, last)
        self.cursor = last + 1
        texts = [text for _, messages in ticks for text in messages]
        if self.cursor >= self._live_from:  # caught up: where the ranking stands now
            texts.append(board_text(await self.hub.leaderboard(self._reader.season_id)))
        return texts

    def _filter(self, update: Update) -> list[str]:
        texts: list[str] = []
        for tick, messages in update.ticks:
            if tick >= self.cursor:
                texts += messages
                self.cursor = tick + 1
        if update.status is not None:
            if update.status == self._status:
                return texts
            self._status = update.status
        if update.text is not None:
            texts.append(update.text)
        if update.final:
            self.done = True
        return texts

    def _end(self, text: str) -> list[str]:
        self.done = True
        self.hub.leave(self)
        return [text]


class SeasonChannel:
    """One season's shared reads; lives while it has subscribers."""

    def __init__(self, hub: LiveHub, reader: SeasonReader, version: SeasonVersion) -> None:
        self.season_id = reader.season_id
        self.subscribers: set[Subscription] = set()
        self.cursor = version.ticks_done  # the first tick not yet published
        self.ended = False
        self.reader = reader
        self._hub = hub
        self._last_status: Update | None = None  # for a subscriber joining once it ended
        self._last_board: Update | None = None
        self._status = version.status
        self._wake = asyncio.Event()
        self._board_due = False
        self._board_sent_at = float("-inf")
        # The leaderboard is computed beside the reads (a bootstrap may take seconds), one at
        # a time, started at most once a second.
        self._board_task: asyncio.Task[None] | None = None
        self._board_timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    def stop(self) -> None:
        for task in (self._task, self._board_task):
            if task is not None:
                task.cancel()
        if self._board_timer is not None:
            self._board_timer.cancel()

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        read_at = loop.time()  # the subscriber that made the channel has just read the season
        while not self.ended:
            due = read_at + self._hub.poll_s
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, due - loop.time()))
            self._wake.clear()
            read_at = loop.time()
            try:
                await self._read()
            except Exception as error:  # the database is down, the season was deleted...
                self._fail(error)
                return
            await asyncio.sleep(COALESCE_S)

    async def _read(self) -> None:
        version = await run_in_threadpool(self.reader.version)
        self._hub.polls.inc()
        if version is None:
            raise NotFoundError(f"season {self.season_id} no longer exists")
        if version.ticks_done > self.cursor:
            last = min(version.ticks_done, self.cursor + MAX_TICKS_PER_READ) - 1
            ticks = await run_in_threadpool(self.reader.ticks, self.cursor, last)
            self.cursor = last + 1
            self._publish(Update(ticks=ticks))
            self._board_due = True
            if self.cursor < version.ticks_done:  # the rest at once; the status once caught up
                self._wake.set()
                return
        if version.status != self._status:
            data = await run_in_threadpool(self.reader.status_data, version)
            self._status = version.status
            self._last_status = Update(text=encode("status", data), status=version.status)
            self._publish(self._last_status)
            self._board_due = True
        if self._status not in ENDED:
            self._start_board()
            return
        # The end: the final leaderboard after any still being computed, then nothing more.
        if self._board_timer is not None:
            self._board_timer.cancel()
        if self._board_task is not None:
            await asyncio.wait({self._board_task})
        if not self.ended:  # (a failed leaderboard has ended the channel already)
            await self._publish_board()
            self.ended = True

    def _start_board(self) -> None:
        if not self._board_due or self._board_task is not None or self.ended:
            return
        loop = asyncio.get_running_loop()
        wait_s = self._board_sent_at + LEADERBOARD_EVERY_S - loop.time()
        if self._status == SeasonStatus.RUNNING.value and wait_s > 0:
            if self._board_timer is None:
                self._board_timer = loop.call_later(wait_s, self._board_time)
            return
        self._board_task = asyncio.ensure_future(self._publish_board())
        self._board_task.add_done_callback(self._board_published)

    def _board_time(self) -> None:
        self._board_timer = None
        self._start_board()

    async def _publish_board(self) -> None:
        self._board_due = False
        self._board_sent_at = asyncio.get_running_loop().time()
        board = await self._hub.leaderboard(self.season_id)
        self._last_board = Update(text=board_text(board))
        self._publish(self._last_board)

    def _board_published(self, task: asyncio.Task[None]) -> None:
        self._board_task = None
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self._fail(error)
            self.stop()
        else:
            self._start_board()  # ticks came while it was computed

    def final(self) -> list[Update]:
        """What a subscriber joining after the end missed: the last status and leaderboard."""
        return [u for u in (self._last_status, self._last_board) if u is not None]

    def _publish(self, update: Update) -> None:
        for subscriber in list(self.subscribers):
            subscriber.offer(update)

    def _fail(self, error: BaseException) -> None:
        if isinstance(error, ArenaError):
            message = str(error)
        else:
            logger.exception("season %d: the live feed failed", self.season_id, exc_info=error)
            message = "the live feed failed; see the server log"
        self.ended = True
        self._hub.forget(self)
        self._publish(Update(text=error_text("feed_failed", message), final=True))


class LiveHub:
    """The channels of the seasons being watched. Create it on the server's event loop."""

    def __init__(
        self, engine: Engine, leaderboard: Leaderboard, poll_s: float,
        registry: CollectorRegistry | None = None,
    ) -> None:  # fmt: skip
        self.leaderboard = leaderboard
        self.poll_s = poll_s
        self._engine = engine
        self._loop = asyncio.get_running_loop()
        self._channels: dict[int, SeasonChannel] = {}
        self._woken: set[int] = set()
        self._lock = threading.Lock()
        if registry is None:  # never the global one: two apps in a process, two hubs
            registry = CollectorRegistry()
        self.polls = Counter(
            "arena_live_polls", "Reads of a watched season's state by the live feed (one "
            "channel per season, whatever the number of its subscribers).", registry=registry,
        )  # fmt: skip
        self.subscribers = Gauge(
            "arena_live_subscribers", "WebSocket subscriptions to seasons.", registry=registry
        )

    def reader(self, season_id: int) -> SeasonReader:
        channel = self._channels.get(season_id)
        return channel.reader if channel is not None else SeasonReader(self._engine, season_id)

    def join(self, reader: SeasonReader, version: SeasonVersion, start: int) -> Subscription:
        """Subscribe from tick ``start``; ``version`` was just read. Synchronous on purpose:
        the subscriber takes the channel's cursor and joins it in one step."""
        season_id = reader.season_id
        if version.status in ENDED:  # nothing more will be committed: the backlog is all
            subscription = Subscription(self, reader, None, start, version.ticks_done,
                                        version.status)  # fmt: skip
        else:
            channel = self._channels.get(season_id)
            if channel is None:
                channel = self._channels[season_id] = SeasonChannel(self, reader, version)
                channel.start()
            subscription = Subscription(self, reader, channel, start, channel.cursor,
                                        version.status)  # fmt: skip
            channel.subscribers.add(subscription)
            if channel.ended:
                for update in channel.final():
                    subscription.offer(update)
        self.subscribers.inc()
        return subscription

    def leave(self, subscription: Subscription) -> None:
        channel = subscription.channel
        if channel is not None and subscription in channel.subscribers:
            channel.subscribers.discard(subscription)
            if not channel.subscribers and self._channels.get(channel.season_id) is channel:
                channel.stop()
                del self._channels[channel.season_id]
        if not subscription.left:
            subscription.left = True
            self.subscribers.dec()

    def forget(self, channel: SeasonChannel) -> None:
        """Drop a failed channel: the next subscriber starts a new one."""
        if self._channels.get(channel.season_id) is channel:
            del self._channels[channel.season_id]

    def notify(self, season_id: int) -> None:
        """Tell the season's channel a tick was committed. Thread-safe: the runner calls it."""
        if season_id not in self._channels:
            return
        with self._lock:
            if season_id in self._woken:
                return
            self._woken.add(season_id)
        with suppress(RuntimeError):  # the server's loop is closing
            self._loop.call_soon_threadsafe(self._wake_channel, season_id)

    def _wake_channel(self, season_id: int) -> None:
        with self._lock:
            self._woken.discard(season_id)
        channel = self._channels.get(season_id)
        if channel is not None:
            channel.wake()

    def watched(self) -> list[int]:
        """The seasons with a channel (tests, diagnostics)."""
        return sorted(self._channels)

    def close(self) -> None:
        for channel in self._channels.values():
            channel.stop()
        self._channels.clear()
