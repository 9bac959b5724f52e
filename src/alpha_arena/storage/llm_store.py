"""The audit trail of language-model calls, and the response cache that makes replays exact."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Select, case, func, insert, select, update

from alpha_arena.domain.llm import LlmCall, ModelVersion
from alpha_arena.storage.database import inserted_id
from alpha_arena.storage.model_versions import version_id
from alpha_arena.storage.tables import LlmCacheRow, LlmCallRow, ModelVersionRow


@dataclass(frozen=True, slots=True)
class CallStats:
    """Per agent: calls, calls without a parsed answer, tokens, cost (None when a call's price
    is unknown) and mean latency."""

    agent_id: int | None
    calls: int
    invalid: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    mean_latency_ms: float


class LlmCallStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, call: LlmCall) -> int:
        with self._engine.begin() as connection:
            return insert_call(connection, call)

    def calls(
        self, agent_id: int | None = None, limit: int = 100, offset: int = 0
    ) -> list[LlmCall]:
        """Newest first; ``offset`` skips that many of the newest (pages of a long trail)."""
        query = with_versions(select(LlmCallRow))
        query = query.order_by(LlmCallRow.id.desc()).limit(limit).offset(offset)
        if agent_id is not None:
            query = query.where(LlmCallRow.agent_id == agent_id)
        with self._engine.connect() as connection:
            return [call_from_row(row) for row in connection.execute(query)]

    def count(self, agent_id: int | None = None) -> int:
        """How many calls are recorded (of ``agent_id``, or in all)."""
        query = select(func.count()).select_from(LlmCallRow)
        if agent_id is not None:
            query = query.where(LlmCallRow.agent_id == agent_id)
        with self._engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def stats(self) -> list[CallStats]:
        """Totals per agent; an output that failed to parse counts as invalid."""
        invalid = func.sum(case((LlmCallRow.parsed_decision.is_(None), 1), else_=0))
        unpriced = func.sum(case((LlmCallRow.cost_usd.is_(None), 1), else_=0))
        query = select(
            LlmCallRow.agent_id,
            func.count(),
            invalid,
            func.coalesce(func.sum(LlmCallRow.input_tokens), 0),
            func.coalesce(func.sum(LlmCallRow.output_tokens), 0),
            func.coalesce(func.sum(LlmCallRow.cost_usd), 0.0),
            func.coalesce(func.avg(LlmCallRow.latency_ms), 0.0),
            unpriced,
        ).group_by(LlmCallRow.agent_id)
        with self._engine.connect() as connection:
            return [
                CallStats(
                    agent,
                    int(calls),
                    int(bad or 0),
                    int(tokens_in),
                    int(tokens_out),
                    None if unknown else float(cost),
                    float(latency),
                )
                for agent, calls, bad, tokens_in, tokens_out, cost, latency, unknown in (
                    connection.execute(query.order_by(LlmCallRow.agent_id))
                )
            ]


class LlmCache:
    """Responses by request hash (a hash of provider, model, parameters and messages).

    ``sample``: another draw of the same requests (a repeated window of a season series):
    its answers are kept under keys of their own, so the model is asked again rather than
    answered with the first draw's, and a replay of that window still sees its own."""

    def __init__(self, engine: Engine, sample: int | None = None) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        self._sample = sample

    def _key(self, request_hash: str) -> str:
        if self._sample is None:
            return request_hash
        return hashlib.sha256(f"{request_hash}/sample {self._sample}".encode()).hexdigest()

    def get(self, request_hash: str) -> dict[str, Any] | None:
        key = self._key(request_hash)
        query = select(LlmCacheRow.response).where(LlmCacheRow.request_hash == key)
        with self._engine.connect() as connection:
            found = connection.execute(query).scalar()
        return None if found is None else dict(json.loads(found))

    def put(
        self, request_hash: str, provider: str, model: str, response: dict[str, Any], ts: int
    ) -> None:
        """Keep the first response stored for a hash: a replay must see what the run saw."""
        values = {
            "request_hash": self._key(request_hash), "provider": provider, "model": model,
            "response": json.dumps(response, sort_keys=True), "ts_created": ts,
        }  # fmt: skip
        # The dialects' own INSERTs (for ON CONFLICT) load slowly: only here, not at startup.
        statement: Executable
        if self._dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            statement = pg_insert(LlmCacheRow).values(**values).on_conflict_do_nothing()
        elif self._dialect in ("mysql", "mariadb"):
            from sqlalchemy.dialects.mysql import insert as mysql_insert

            # A no-op update of the key, not INSERT IGNORE, which would silence other errors.
            upsert = mysql_insert(LlmCacheRow).values(**values)
            statement = upsert.on_duplicate_key_update(request_hash=LlmCacheRow.request_hash)
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            statement = sqlite_insert(LlmCacheRow).values(**values).on_conflict_do_nothing()
        with self._engine.begin() as connection:
            connection.execute(statement)

    def replace(self, request_hash: str, response: dict[str, Any]) -> None:
        """Overwrite the stored response of ``request_hash`` (a cut-off marker that gains an
        answer or a longer deadline; the caller keeps what a replay must still see)."""
        statement = (
            update(LlmCacheRow)
            .where(LlmCacheRow.request_hash == self._key(request_hash))
            .values(response=json.dumps(response, sort_keys=True))
        )
        with self._engine.begin() as connection:
            connection.execute(statement)


def insert_call(connection: Connection, call: LlmCall) -> int:
    """Store ``call`` inside the caller's transaction; return its id."""
    result = connection.execute(
        insert(LlmCallRow).values(
            agent_id=call.agent_id,
            prompt_version_id=call.prompt_version_id,
            ts=call.ts,
            provider=call.provider,
            model=call.model,
            parameters=json.dumps(call.parameters, sort_keys=True),
            request_hash=call.request_hash,
            request=json.dumps(call.messages),
            raw_response=call.raw_response,
            parsed_decision=(
                None if call.parsed_decision is None else json.dumps(call.parsed_decision)
            ),
            error=call.error,
            input_tokens=call.input_tokens,
            output_tokens=call.output_tokens,
            latency_ms=call.latency_ms,
            cost_usd=call.cost_usd,
            cached=call.cached,
            reasoning=call.reasoning,
            model_version_id=(
                None
                if call.version is None
                else version_id(connection, call.provider, call.model, call.version, call.ts)
            ),
        )
    )
    return inserted_id(result)


def with_versions(query: Select[*tuple[Any, ...]]) -> Select[Any]:
    """``query`` of ``llm_calls`` rows, with each call's model version for ``call_from_row``."""
    version = ModelVersionRow
    return query.add_columns(
        version.version.label("version_label"),
        version.input_usd_per_mtok.label("version_input_usd_per_mtok"),
        version.output_usd_per_mtok.label("version_output_usd_per_mtok"),
    ).join_from(LlmCallRow, version, LlmCallRow.model_version_id == version.id, isouter=True)


def call_from_row(row: Any) -> LlmCall:
    """The call of a row read by a query ``with_versions``."""
    version = None
    if row.version_label is not None:
        version = ModelVersion(
            row.version_label, row.version_input_usd_per_mtok, row.version_output_usd_per_mtok
        )
    return LlmCall(
        ts=row.ts,
        provider=row.provider,
        model=row.model,
        parameters=json.loads(row.parameters),
        request_hash=row.request_hash,
        messages=json.loads(row.request),
        raw_response=row.raw_response,
        parsed_decision=None if row.parsed_decision is None else json.loads(row.parsed_decision),
        error=row.error,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        latency_ms=row.latency_ms,
        cost_usd=row.cost_usd,
        cached=row.cached,
        agent_id=row.agent_id,
        prompt_version_id=row.prompt_version_id,
        reasoning=row.reasoning,
        version=version,
    )
