"""The runner's side of a season lease: who this process is, when a holder may be replaced,
and a keeper that renews the lease in a thread while the runner works.

A lease expires ``ttl`` after its last renewal; the keeper renews it every third of that, and
every committed tick renews it too. A holder that died on this machine (``kill -9``, a crash)
is recognised by its process id and replaced at once, so a season resumes right away on the
machine it crashed on; a holder elsewhere is replaced only once its lease has expired."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from pathlib import Path
from types import TracebackType

from alpha_arena.core.clock import Clock
from alpha_arena.core.time import to_iso
from alpha_arena.storage.season_leases import Lease, LeaseHolder, SeasonLeasedError, SeasonLeases

logger = logging.getLogger(__name__)


def this_process(role: str) -> Lease:
    """A new lease identity for a runner of this process, e.g. "arena season run"."""
    host = socket.gethostname()
    pid = os.getpid()
    return Lease(f"{role}, pid {pid} on {host} [{uuid.uuid4().hex[:8]}]", _machine(host), pid)


def _machine(host: str) -> str:
    """The host and the process-id namespace: a pid means something only within both
    (containers on one host share neither pids nor, usually, host names)."""
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:  # not Linux: the host name alone
        namespace = 0
    boot = ""
    boot_id = Path("/proc/sys/kernel/random/boot_id")
    if boot_id.exists():
        boot = boot_id.read_text().strip()[:8]
    return f"{host}:{namespace}:{boot}"[:128]


def replaceable(holder: LeaseHolder, lease: Lease, now: int) -> bool:
    """Whether ``holder`` may be replaced by ``lease``: its lease expired, or it died on this
    machine."""
    if holder.owner == lease.owner or holder.expires <= now:
        return True
    return holder.machine == lease.machine and holder.pid != lease.pid and not _alive(holder.pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def describe(season_id: int, holder: LeaseHolder) -> str:
    return (
        f"season {season_id} is being run by {holder.owner} since {to_iso(holder.since)} "
        f"(its lease runs to {to_iso(holder.expires)} unless renewed); pause it there, or "
        "wait for that runner to stop"
    )


class LeaseKeeper:
    """Hold a season's lease for a runner: take it on entering (or raise SeasonLeasedError),
    renew it in a thread, release it on leaving. ``lost`` is set when a renewal found the
    lease in other hands."""

    def __init__(
        self,
        leases: SeasonLeases,
        season_id: int,
        lease: Lease,
        clock: Clock,
        ttl_s: float,
    ) -> None:
        self.lease = lease
        self.lost = threading.Event()
        self.ttl_ms = int(ttl_s * 1000)
        self._leases = leases
        self._season_id = season_id
        self._clock = clock
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LeaseKeeper:
        self._done.clear()
        self.lost.clear()
        self._take()
        self._thread = threading.Thread(
            target=self._renew, name=f"lease-{self._season_id}", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        try:
            self._leases.release(self._season_id, self.lease)
        except Exception:  # the database is down or full: the lease expires by itself
            logger.info("season %d: could not release its lease", self._season_id)

    def _take(self) -> None:
        now = self._clock.now_ms()
        holder = self._leases.take(self._season_id, self.lease, now, self.ttl_ms)
        if holder is None:
            return
        if replaceable(holder, self.lease, now) and self._leases.take_over(
            self._season_id, self.lease, holder.owner, now, self.ttl_ms
        ):
            logger.warning(
                "season %d: took over the lease of %s, which died", self._season_id, holder.owner
            )
            return
        current = self._leases.holder(self._season_id) or holder
        raise SeasonLeasedError(describe(self._season_id, current))

    def _renew(self) -> None:
        every_s = self.ttl_ms / 3000
        while not self._done.wait(every_s):
            try:
                if not self._leases.renew(
                    self._season_id, self.lease, self._clock.now_ms(), self.ttl_ms
                ):
                    self.lost.set()
                    return
            except Exception:  # the database is unreachable for now: the next round retries
                logger.warning("season %d: could not renew its lease", self._season_id)
