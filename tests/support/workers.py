"""Celery workers and a scheduler in processes of their own, on the machine's Redis.

Redis comes from ARENA_TEST_REDIS_URL (a server's URL; the database number is chosen here).
Without it the cases skip with a reason, unless ARENA_REQUIRE_REDIS=1, which turns a missing
or unreachable server into a failure (CI sets both). Each stack takes a Redis database of its
own (1-15, claimed with a key in database 0), so that parallel test processes never share
queues, and empties it before and after."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from alpha_arena.core.settings import Settings
from alpha_arena.worker.client import WorkerClient
from tests.support.arena_process import ARENA, arena_env

REDIS_URL = os.environ.get("ARENA_TEST_REDIS_URL")
REQUIRE_REDIS = os.environ.get("ARENA_REQUIRE_REDIS") == "1"
CLAIM_S = 3600


@contextmanager
def private_broker() -> Iterator[str]:
    """A Redis URL on a database no other test process uses, empty."""
    if not REDIS_URL:
        if REQUIRE_REDIS:
            pytest.fail("ARENA_REQUIRE_REDIS=1 but ARENA_TEST_REDIS_URL is not set")
        pytest.skip("Redis case: set ARENA_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to run it")
    base = REDIS_URL.rstrip("/").rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL
    admin = redis.Redis.from_url(f"{base}/0")
    try:
        claimed = next(
            (db for db in range(1, 16)
             if admin.set(f"arena-test:redis-db:{db}", os.getpid(), nx=True, ex=CLAIM_S)),
            None,
        )  # fmt: skip
    except redis.ConnectionError as error:
        if REQUIRE_REDIS:
            pytest.fail(f"Redis at ARENA_TEST_REDIS_URL is unreachable: {error}")
        pytest.skip(f"Redis at ARENA_TEST_REDIS_URL is unreachable: {error}")
    assert claimed is not None, "every Redis database 1-15 is claimed by another test"
    url = f"{base}/{claimed}"
    private = redis.Redis.from_url(url)
    private.flushdb()
    try:
        yield url
    finally:
        private.flushdb()
        private.close()
        admin.delete(f"arena-test:redis-db:{claimed}")
        admin.close()


@dataclass
class Stack:
    """Worker and scheduler processes on one database and one broker."""

    env: dict[str, str]
    folder: Path
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    scheduler: subprocess.Popen[bytes] | None = None

    def start_worker(self, name: str, concurrency: int = 1) -> None:
        """Start ``arena worker`` named ``name`` in a process group of its own."""
        self.workers[name] = self._spawn(
            "worker", "--hostname", name, "--concurrency", str(concurrency)
        )

    def start_scheduler(self) -> None:
        self.scheduler = self._spawn("scheduler", "--state", str(self.folder / "scheduler"))

    def _spawn(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{args[0]}-{len(self.workers)}.log").open("ab")
        return subprocess.Popen(
            [ARENA, *args], env=self.env, cwd=self.folder, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def client(self) -> WorkerClient:
        settings = Settings(
            _env_file=None,
            database_url=self.env["ARENA_DATABASE_URL"],
            broker_url=self.env["ARENA_BROKER_URL"],
        )
        return WorkerClient(settings)

    def wait_for_workers(self, names: set[str], timeout_s: float = 60) -> None:
        client = self.client()
        try:
            deadline = time.monotonic() + timeout_s
            while {worker.name for worker in client.status().workers} != names:
                for name, process in self.workers.items():
                    assert process.poll() is None, f"worker {name} exited: {self.logs()}"
                assert time.monotonic() < deadline, f"workers {names} not up: {self.logs()}"
                time.sleep(0.2)
        finally:
            client.close()

    def kill(self, name: str) -> None:
        """``kill -9`` of the worker ``name`` and of its pool's processes."""
        process = self.workers.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)

    def terminate(self, name: str, timeout_s: float = 30) -> None:
        """SIGTERM to the worker ``name`` (what Ctrl-C or ``docker stop`` sends); wait for it."""
        process = self.workers.pop(name)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout_s)

    def worker_of(self, pid: int) -> str | None:
        """The worker whose process group holds ``pid``."""
        try:
            group = os.getpgid(pid)
        except ProcessLookupError:
            return None
        return next((name for name, p in self.workers.items() if p.pid == group), None)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )

    def stop(self) -> None:
        processes = [*self.workers.values(), *([self.scheduler] if self.scheduler else [])]
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


@contextmanager
def worker_stack(database_url: str, folder: Path, **settings: str) -> Iterator[Stack]:
    """A private broker and a Stack on it (no process started yet); everything stops after."""
    with private_broker() as broker:
        env = arena_env(database_url, broker_url=broker, **settings)
        folder.mkdir(parents=True, exist_ok=True)
        stack = Stack(env, folder)
        try:
            yield stack
        finally:
            stack.stop()
