"""Registered agents and versioned prompt templates."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from alpha_arena.core.errors import ConflictError, NotFoundError
from alpha_arena.storage.tables import AgentRow, AgentSecretRow, PromptVersionRow, SeasonEntryRow


@dataclass(frozen=True, slots=True)
class AgentRecord:
    id: int
    name: str
    kind: str
    config: dict[str, Any]
    enabled: bool
    ts_created: int
    ts_updated: int


@dataclass(frozen=True, slots=True)
class PromptVersion:
    id: int
    name: str
    version: int
    template: str
    sha256: str
    description: str
    ts_created: int


def _agent(row: Any) -> AgentRecord:
    return AgentRecord(
        row.id, row.name, row.kind, json.loads(row.config), row.enabled, row.ts_created,
        row.ts_updated,
    )  # fmt: skip


def _prompt(row: Any) -> PromptVersion:
    return PromptVersion(
        row.id, row.name, row.version, row.template, row.sha256, row.description, row.ts_created
    )


class AgentStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, name: str, kind: str, config: dict[str, Any], ts: int) -> AgentRecord:
        """Register an agent; names are unique."""
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    insert(AgentRow).values(
                        name=name, kind=kind, config=json.dumps(config, sort_keys=True),
                        enabled=True, ts_created=ts, ts_updated=ts,
                    )
                )  # fmt: skip
        except IntegrityError:
            raise ConflictError(f"an agent named {name!r} exists already") from None
        return self.get(name)

    def get(self, name: str) -> AgentRecord:
        with self._engine.connect() as connection:
            row = connection.execute(select(AgentRow).where(AgentRow.name == name)).first()
        if row is None:
            known = ", ".join(agent.name for agent in self.all()) or "none registered"
            raise NotFoundError(f"no agent named {name!r}; known: {known}")
        return _agent(row)

    def all(self, enabled_only: bool = False) -> list[AgentRecord]:
        query = select(AgentRow).order_by(AgentRow.name)
        if enabled_only:
            query = query.where(AgentRow.enabled.is_(True))
        with self._engine.connect() as connection:
            return [_agent(row) for row in connection.execute(query)]

    def set_enabled(self, name: str, enabled: bool, ts: int) -> AgentRecord:
        self.get(name)
        with self._engine.begin() as connection:
            connection.execute(
                update(AgentRow).where(AgentRow.name == name).values(enabled=enabled, ts_updated=ts)
            )
        return self.get(name)

    def update_config(self, name: str, config: dict[str, Any], ts: int) -> AgentRecord:
        """Replace an agent's configuration; its kind stays (seasons pin what they used)."""
        self.get(name)
        with self._engine.begin() as connection:
            connection.execute(
                update(AgentRow)
                .where(AgentRow.name == name)
                .values(config=json.dumps(config, sort_keys=True), ts_updated=ts)
            )
        return self.get(name)

    def delete_unless_entered(self, name: str) -> int:
        """Delete agent ``name`` and its signing secret, unless a season entry references it;
        return how many seasons it entered (0: it is deleted). One transaction, so an agent
        is never deleted from under an entry counted a moment before. NotFoundError when absent.
        Its one-off LLM calls stay in the audit trail, without the agent (``SET NULL``)."""
        agent = self.get(name)
        with self._engine.begin() as connection:
            entered = connection.execute(
                select(func.count(func.distinct(SeasonEntryRow.season_id))).where(
                    SeasonEntryRow.agent_id == agent.id
                )
            ).scalar_one()
            if entered:
                return int(entered)
            # Explicit, though the key cascades: a database without enforced foreign keys
            # must not keep a secret whose agent is gone.
            connection.execute(delete(AgentSecretRow).where(AgentSecretRow.agent_id == agent.id))
            connection.execute(delete(AgentRow).where(AgentRow.id == agent.id))
        return 0


class PromptStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, name: str, template: str, ts: int, description: str = "") -> PromptVersion:
        """Store ``template`` as the next version of ``name``; an unchanged template returns
        the existing version instead of adding a duplicate."""
        digest = hashlib.sha256(template.encode()).hexdigest()
        with self._engine.begin() as connection:
            same = connection.execute(
                select(PromptVersionRow).where(
                    PromptVersionRow.name == name, PromptVersionRow.sha256 == digest
                )
            ).first()
            if same is not None:
                return _prompt(same)
            latest = connection.execute(
                select(func.max(PromptVersionRow.version)).where(PromptVersionRow.name == name)
            ).scalar()
            connection.execute(
                insert(PromptVersionRow).values(
                    name=name, version=(latest or 0) + 1, template=template, sha256=digest,
                    description=description, ts_created=ts,
                )
            )  # fmt: skip
        return self.latest(name)

    def rollback(self, name: str, version: int, ts: int) -> PromptVersion:
        """Store version ``version``'s template again as the newest version, described
        "rollback to vN". Versions are never changed, so seasons pinned to any keep it."""
        target = self.version(name, version)
        try:
            self._insert_copy(name, target, ts)
        except IntegrityError:  # another writer stored a version of this prompt meanwhile
            raise ConflictError(f"prompt {name!r} changed meanwhile; retry") from None
        return self.latest(name)

    def _insert_copy(self, name: str, target: PromptVersion, ts: int) -> None:
        with self._engine.begin() as connection:
            latest = connection.execute(
                select(PromptVersionRow)
                .where(PromptVersionRow.name == name)
                .order_by(PromptVersionRow.version.desc())
                .limit(1)
            ).one()
            if latest.sha256 == target.sha256:
                raise ConflictError(
                    f"prompt {name!r} v{latest.version} already has the template of "
                    f"v{target.version}; nothing to roll back"
                )
            connection.execute(
                insert(PromptVersionRow).values(
                    name=name, version=latest.version + 1, template=target.template,
                    sha256=target.sha256, description=f"rollback to v{target.version}",
                    ts_created=ts,
                )
            )  # fmt: skip

    def latest(self, name: str) -> PromptVersion:
        query = (
            select(PromptVersionRow)
            .where(PromptVersionRow.name == name)
            .order_by(PromptVersionRow.version.desc())
            .limit(1)
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            raise NotFoundError(f"no prompt named {name!r}")
        return _prompt(row)

    def version(self, name: str, version: int) -> PromptVersion:
        query = select(PromptVersionRow).where(
            PromptVersionRow.name == name, PromptVersionRow.version == version
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            raise NotFoundError(f"no version {version} of prompt {name!r}")
        return _prompt(row)

    def all(self) -> list[PromptVersion]:
        query = select(PromptVersionRow).order_by(PromptVersionRow.name, PromptVersionRow.version)
        with self._engine.connect() as connection:
            return [_prompt(row) for row in connection.execute(query)]
