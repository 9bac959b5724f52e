"""Season leases: at most one runner drives a season at a time.

A lease is a row's worth of columns on the season (owner, machine, pid, since, expires). Every
move is one conditional UPDATE, so taking, renewing, taking over and releasing are atomic on
SQLite and PostgreSQL alike: two runners racing for a free lease cannot both win, and a runner
that lost its lease cannot renew it back. The tick commit checks the owner in the same
statement that advances the tick counter (``SeasonStore.commit_tick``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, or_, select, update

from alpha_arena.core.errors import ConflictError
from alpha_arena.domain.seasons import SeasonStatus
from alpha_arena.storage.tables import SeasonRow


class SeasonLeasedError(ConflictError):
    """Another runner holds the season's lease: it is being run elsewhere."""


@dataclass(frozen=True, slots=True)
class Lease:
    """Who asks for a lease. ``owner`` is unique and readable ("arena season run, pid 4242 on
    box [3f9a1c2e]"); ``machine`` names the host and process namespace ``pid`` belongs to, so
    that a holder that died on this machine can be recognised."""

    owner: str
    machine: str
    pid: int


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    """The lease as stored."""

    owner: str
    machine: str
    pid: int
    since: int
    expires: int


class SeasonLeases:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def take(self, season_id: int, lease: Lease, now: int, ttl_ms: int) -> LeaseHolder | None:
        """Take the lease if it is free, expired or already ours; return None when taken, else
        the holder in the way."""
        free = or_(
            SeasonRow.lease_owner.is_(None),
            SeasonRow.lease_expires <= now,
            SeasonRow.lease_owner == lease.owner,
        )
        for _ in range(3):  # a holder may release between our attempt and our read
            if self._claim(season_id, free, lease, now, ttl_ms):
                return None
            holder = self.holder(season_id)
            if holder is not None:
                return holder
        raise ConflictError(f"season {season_id}: its lease keeps changing hands; try again")

    def take_over(
        self, season_id: int, lease: Lease, stale_owner: str, now: int, ttl_ms: int
    ) -> bool:
        """Take the lease from ``stale_owner`` (a holder known to be dead); False when it is
        not theirs any more (someone else was quicker)."""
        return self._claim(season_id, SeasonRow.lease_owner == stale_owner, lease, now, ttl_ms)

    def renew(self, season_id: int, lease: Lease, now: int, ttl_ms: int) -> bool:
        """Extend our lease; False when it is not ours any more."""
        with self._engine.begin() as connection:
            renewed = connection.execute(
                update(SeasonRow)
                .where(SeasonRow.id == season_id, SeasonRow.lease_owner == lease.owner)
                .values(lease_expires=now + ttl_ms)
            ).rowcount
        return renewed == 1

    def release(self, season_id: int, lease: Lease) -> None:
        """Give the lease up, if it is still ours."""
        with self._engine.begin() as connection:
            connection.execute(
                update(SeasonRow)
                .where(SeasonRow.id == season_id, SeasonRow.lease_owner == lease.owner)
                .values(
                    lease_owner=None,
                    lease_host=None,
                    lease_pid=None,
                    lease_since=None,
                    lease_expires=None,
                )
            )

    def holder(self, season_id: int) -> LeaseHolder | None:
        query = select(SeasonRow.id, *_LEASE_COLUMNS).where(SeasonRow.id == season_id)
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else _holder(row)

    def running(self) -> list[tuple[int, LeaseHolder | None]]:
        """Every running season with its lease holder (None: nobody runs it)."""
        query = (
            select(SeasonRow.id, *_LEASE_COLUMNS)
            .where(SeasonRow.status == SeasonStatus.RUNNING.value)
            .order_by(SeasonRow.id)
        )
        with self._engine.connect() as connection:
            return [(int(row.id), _holder(row)) for row in connection.execute(query)]

    def _claim(
        self, season_id: int, condition: ColumnElement[bool], lease: Lease, now: int, ttl: int
    ) -> bool:
        with self._engine.begin() as connection:
            claimed = connection.execute(
                update(SeasonRow)
                .where(and_(SeasonRow.id == season_id, condition))
                .values(
                    lease_owner=lease.owner,
                    lease_host=lease.machine,
                    lease_pid=lease.pid,
                    lease_since=now,
                    lease_expires=now + ttl,
                )
            ).rowcount
        return claimed == 1


_LEASE_COLUMNS = (
    SeasonRow.lease_owner, SeasonRow.lease_host, SeasonRow.lease_pid, SeasonRow.lease_since,
    SeasonRow.lease_expires,
)  # fmt: skip


def _holder(row: Any) -> LeaseHolder | None:
    if row.lease_owner is None:
        return None
    return LeaseHolder(
        row.lease_owner, row.lease_host or "", row.lease_pid or 0, row.lease_since or 0,
        row.lease_expires or 0,
    )  # fmt: skip
