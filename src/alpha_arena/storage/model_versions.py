"""The registry of model versions: each concrete model a provider answered with, first seen when
and at what price, and which calls it answered.

A provider that silently updates a model answers with a new label (``gpt-4o`` first as
``gpt-4o-2024-08-06``, later as ``gpt-4o-2024-11-20``): the first call answered with it adds a
version, at that call's time and the price then in effect; later calls link to it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Executable, and_, func, insert, select

from alpha_arena.domain.llm import ModelVersion
from alpha_arena.storage.tables import LlmCallRow, ModelVersionRow

#: The longest label stored (the column's width); longer ones are cut to it.
LABEL_LENGTH = 128


@dataclass(frozen=True, slots=True)
class ModelVersionRecord:
    """A version with how many calls it answered (of one agent, when asked for one agent's)
    and when it last did (None: none yet)."""

    id: int
    provider: str
    model: str
    version: str
    ts_first_seen: int
    input_usd_per_mtok: float | None
    output_usd_per_mtok: float | None
    calls: int
    ts_last_used: int | None


class ModelVersionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def versions(self, agent_id: int | None = None) -> list[ModelVersionRecord]:
        """Every version (or those ``agent_id``'s calls used), the latest used first."""
        version = ModelVersionRow
        on = LlmCallRow.model_version_id == version.id
        if agent_id is not None:
            on = and_(on, LlmCallRow.agent_id == agent_id)
        last_used = func.max(LlmCallRow.ts)
        columns = (
            version.id, version.provider, version.model, version.version, version.ts_first_seen,
            version.input_usd_per_mtok, version.output_usd_per_mtok,
        )  # fmt: skip
        query = (
            select(*columns, func.count(LlmCallRow.id), last_used)
            .select_from(version)
            .join(LlmCallRow, on, isouter=agent_id is None)
            .group_by(*columns)
            .order_by(func.coalesce(last_used, -1).desc(), version.id.desc())
        )
        with self._engine.connect() as connection:
            return [
                ModelVersionRecord(*row[:7], calls=int(row[7]), ts_last_used=row[8])
                for row in connection.execute(query)
            ]


def version_id(
    connection: Connection, provider: str, model: str, version: ModelVersion, ts: int
) -> int:
    """The id of ``version`` of ``provider``'s ``model``, added (first seen at ``ts``) when new;
    inside the caller's transaction. Two writers adding the same version both get its one row."""
    label = version.label[:LABEL_LENGTH]
    row = ModelVersionRow
    key = and_(row.provider == provider, row.model == model, row.version == label)
    found = connection.execute(select(row.id).where(key)).scalar()
    if found is not None:
        return int(found)
    values = {
        "provider": provider, "model": model, "version": label, "ts_first_seen": ts,
        "input_usd_per_mtok": version.input_usd_per_mtok,
        "output_usd_per_mtok": version.output_usd_per_mtok,
    }  # fmt: skip
    connection.execute(_insert_unless_present(connection.dialect.name, values))
    # A locking read: MySQL's plain one would read the snapshot taken before another
    # writer's row was committed, and miss it.
    query = select(row.id).where(key).with_for_update(read=True)
    return int(connection.execute(query).scalar_one())


def _insert_unless_present(dialect: str, values: dict[str, object]) -> Executable:
    # The dialects' own INSERTs (for ON CONFLICT) load slowly: only here, not at startup.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(ModelVersionRow).values(**values).on_conflict_do_nothing()
    if dialect in ("mysql", "mariadb"):
        from sqlalchemy.dialects.mysql import insert as mysql_insert

        # A no-op update of the key, not INSERT IGNORE, which would silence other errors.
        upsert = mysql_insert(ModelVersionRow).values(**values)
        return upsert.on_duplicate_key_update(id=ModelVersionRow.id)
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(ModelVersionRow).values(**values).on_conflict_do_nothing()
    return insert(ModelVersionRow).values(**values)
