"""The read cache: one computation per version, shared by concurrent callers; for a running
season, the last answer served at once while a newer one is computed in the background."""

from __future__ import annotations

import asyncio
import threading
import time

from alpha_arena.api.cache import ReadCache


class Computation:
    """A computation that counts its calls and can be held until released."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.calls = 0
        self.release = threading.Event()
        self.release.set()

    def __call__(self) -> bytes:
        self.calls += 1
        self.release.wait(5)
        return self.answer


def test_concurrent_callers_of_one_version_share_one_computation() -> None:
    async def scenario() -> None:
        cache, slow = ReadCache(), Computation(b"v1")
        slow.release.clear()
        waiting = [asyncio.ensure_future(cache.fetch("board", 1, slow)) for _ in range(5)]
        await asyncio.sleep(0.05)
        slow.release.set()
        assert await asyncio.gather(*waiting) == [b"v1"] * 5
        assert slow.calls == 1
        assert await cache.fetch("board", 1, slow) == b"v1" and slow.calls == 1

    asyncio.run(scenario())


def test_a_new_version_of_a_finished_answer_is_computed_before_it_is_served() -> None:
    async def scenario() -> None:
        cache = ReadCache()
        assert await cache.fetch("board", 1, Computation(b"v1")) == b"v1"
        assert await cache.fetch("board", 2, Computation(b"v2")) == b"v2"

    asyncio.run(scenario())


def test_a_running_answer_is_served_stale_while_the_next_is_computed() -> None:
    async def scenario() -> None:
        cache = ReadCache()
        assert await cache.fetch("board", 1, Computation(b"v1"), max_age_s=0.05) == b"v1"
        newer = Computation(b"v2")
        assert await cache.fetch("board", 2, newer, max_age_s=0.05) == b"v1"  # fresh enough
        assert newer.calls == 0
        await asyncio.sleep(0.06)
        newer.release.clear()  # the recomputation takes a while
        started = time.monotonic()
        for _ in range(3):  # stale: served at once, one background computation
            assert await cache.fetch("board", 2, newer, max_age_s=0.05) == b"v1"
        assert time.monotonic() - started < 0.5
        await asyncio.sleep(0.05)
        assert newer.calls == 1
        newer.release.set()
        for _ in range(100):
            if await cache.fetch("board", 2, newer, max_age_s=10) == b"v2":
                break
            await asyncio.sleep(0.01)
        assert await cache.fetch("board", 2, newer, max_age_s=10) == b"v2"
        assert newer.calls == 1

    asyncio.run(scenario())


def test_a_failed_background_computation_keeps_the_last_answer() -> None:
    def broken() -> bytes:
        raise RuntimeError("database gone")

    async def scenario() -> None:
        cache = ReadCache()
        assert await cache.fetch("board", 1, Computation(b"v1"), max_age_s=0.01) == b"v1"
        await asyncio.sleep(0.02)
        assert await cache.fetch("board", 2, broken, max_age_s=0.01) == b"v1"
        await asyncio.sleep(0.05)
        assert await cache.fetch("board", 2, broken, max_age_s=10) == b"v1"

    asyncio.run(scenario())


def test_an_answer_slow_to_compute_is_recomputed_less_often() -> None:
    async def scenario() -> None:
        cache, slow = ReadCache(), Computation(b"v1")

        def slow_compute() -> bytes:
            time.sleep(0.1)
            return slow()

        await cache.fetch("board", 1, slow_compute, max_age_s=0.01)
        await asyncio.sleep(0.05)  # older than max_age_s, younger than 3 x 0.1 s
        await cache.fetch("board", 2, slow_compute, max_age_s=0.01)
        await asyncio.sleep(0.02)
        assert slow.calls == 1
        await asyncio.sleep(0.3)  # now older than three computations
        await cache.fetch("board", 2, slow_compute, max_age_s=0.01)
        await asyncio.sleep(0.2)
        assert slow.calls == 2

    asyncio.run(scenario())


def test_one_background_computation_per_request_however_many_versions_pass() -> None:
    """A running season moves on while its answer is recomputed: requests for newer versions
    meanwhile must not start computations of their own (they would fill the thread pool)."""

    async def scenario() -> None:
        cache, slow = ReadCache(), Computation(b"v")
        assert await cache.fetch("board", 1, slow, max_age_s=0.01) == b"v"
        await asyncio.sleep(0.02)
        slow.release.clear()
        for version in range(2, 12):
            assert await cache.fetch("board", version, slow, max_age_s=0.01) == b"v"
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)
        assert slow.calls == 2  # the first and one refresh
        slow.release.set()

    asyncio.run(scenario())
