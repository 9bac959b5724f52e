"""The model-version registry on every database: a new label adds a version at its first call's
time and price, a known one links to it, concurrent writers share one row; and the migration
that added it, which links the calls made before it and gives them back on downgrade."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select, text

from alpha_arena.domain.llm import LlmCall, ModelVersion
from alpha_arena.storage.database import create_database_engine
from alpha_arena.storage.llm_store import LlmCallStore
from alpha_arena.storage.model_versions import ModelVersionStore, version_id
from alpha_arena.storage.schema import downgrade, upgrade
from alpha_arena.storage.tables import ModelVersionRow

AUGUST = ModelVersion("gpt-4o-2024-08-06", 2.5, 10.0)
NOVEMBER = ModelVersion("gpt-4o-2024-11-20", 2.5, 10.0)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def call(ts: int, version: ModelVersion | None, agent_id: int | None = None) -> LlmCall:
    return LlmCall(
        ts=ts, provider="openai", model="gpt-4o", parameters={}, request_hash="h" * 64,
        messages=[{"role": "user", "content": "decide"}],
        raw_response=None if version is None else "{}", parsed_decision=None,
        error="transport failed" if version is None else None, version=version,
        agent_id=agent_id,
    )  # fmt: skip


def agent(engine: Engine, name: str) -> int:
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO agents (name, kind, config, enabled, ts_created, ts_updated) "
                 "VALUES (:name, 'llm', '{}', :yes, 0, 0)"),
            {"name": name, "yes": True},
        )  # fmt: skip
        return int(
            connection.execute(text("SELECT id FROM agents WHERE name = :n"), {"n": name}).scalar()
        )


def test_a_new_label_adds_a_version_at_its_first_call_and_a_known_one_links_to_it(
    engine: Engine,
) -> None:
    upgrade(engine)
    alpha, beta = agent(engine, "alpha"), agent(engine, "beta")
    calls = LlmCallStore(engine)
    calls.record(call(1_000, AUGUST, alpha))
    # The same label at another price later: still the version first seen at 1_000, 2.5/10.
    calls.record(call(2_000, ModelVersion(AUGUST.label, 3.0, 12.0), alpha))
    calls.record(call(2_500, None, alpha))  # no model answered: no version
    calls.record(call(3_000, NOVEMBER, beta))  # the provider updated gpt-4o silently

    versions = ModelVersionStore(engine).versions()
    assert [(v.version, v.ts_first_seen, v.calls, v.ts_last_used) for v in versions] == [
        ("gpt-4o-2024-11-20", 3_000, 1, 3_000),
        ("gpt-4o-2024-08-06", 1_000, 2, 2_000),
    ]
    assert {(v.provider, v.model) for v in versions} == {("openai", "gpt-4o")}
    assert (versions[1].input_usd_per_mtok, versions[1].output_usd_per_mtok) == (2.5, 10.0)
    of_alpha = ModelVersionStore(engine).versions(alpha)
    assert [(v.version, v.calls) for v in of_alpha] == [("gpt-4o-2024-08-06", 2)]

    read = calls.calls(alpha)  # newest first
    assert [c.version for c in read] == [None, AUGUST, AUGUST]
    assert calls.calls(beta)[0].version == NOVEMBER


def test_two_writers_adding_the_same_new_version_at_once_share_one_row(engine: Engine) -> None:
    upgrade(engine)
    ready = threading.Barrier(2)
    ids: list[int] = []

    def add(ts: int) -> None:
        with engine.begin() as connection:
            ready.wait(timeout=10)
            ids.append(version_id(connection, "openai", "gpt-4o", NOVEMBER, ts))

    threads = [threading.Thread(target=add, args=(ts,)) for ts in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(ModelVersionRow)).scalar()
    assert rows == 1
    assert len(ids) == 2 and ids[0] == ids[1]


# -- the migration -----------------------------------------------------------------------------

BEFORE = "0013"  # the revision before the registry
OLD_CALLS = [  # provider, model, ts, answered
    ("deepseek", "deepseek-chat", 5_000, True),
    ("deepseek", "deepseek-chat", 3_000, True),
    ("deepseek", "deepseek-chat", 1_000, False),  # a failure: no model answered it
    ("openai", "gpt-4o", 4_000, True),
    ("openai", "gpt-4o-mini", 2_000, False),  # never answered: no version at all
]


def old_calls(engine: Engine) -> list[int]:
    """The calls above, stored as a database at ``BEFORE`` held them; the first two are also
    part of a season entry's trail."""
    ids = []
    with engine.begin() as connection:
        for provider, model, ts, answered in OLD_CALLS:
            connection.execute(
                text("INSERT INTO llm_calls (ts, provider, model, parameters, request_hash, "
                     "request, raw_response, input_tokens, output_tokens, latency_ms, cached) "
                     "VALUES (:ts, :provider, :model, '{}', 'h', '[]', :raw, 1, 1, 1.0, :no)"),
                {"ts": ts, "provider": provider, "model": model,
                 "raw": "{}" if answered else None, "no": False},
            )  # fmt: skip
            ids.append(int(connection.execute(text("SELECT MAX(id) FROM llm_calls")).scalar_one()))
        connection.execute(
            text("INSERT INTO seasons (name, mode, status, timeframe, ts_start, ts_end, config, "
                 "ticks_done, message, ts_created, ts_updated) "
                 "VALUES ('s', 'replay', 'finished', '1h', 0, 1, '{}', 2, '', 0, 0)")
        )  # fmt: skip
        season = connection.execute(text("SELECT MAX(id) FROM seasons")).scalar_one()
        connection.execute(
            text("INSERT INTO season_entries (season_id, name, kind, config, fingerprint, "
                 "baseline, status, equity, cash) "
                 "VALUES (:season, 'e', 'llm', '{}', 'f', :no, 'active', 1.0, 1.0)"),
            {"season": season, "no": False},
        )  # fmt: skip
        entry = connection.execute(text("SELECT MAX(id) FROM season_entries")).scalar_one()
        for tick, call_id in enumerate(ids[:2]):
            connection.execute(
                text("INSERT INTO season_llm_calls (call_id, entry_id, tick) "
                     "VALUES (:call, :entry, :tick)"),
                {"call": call_id, "entry": entry, "tick": tick},
            )  # fmt: skip
    return ids


def test_the_migration_links_earlier_calls_to_one_version_per_answered_model(
    engine: Engine,
) -> None:
    upgrade(engine, BEFORE)
    ids = old_calls(engine)
    upgrade(engine, "0014")

    versions = ModelVersionStore(engine).versions()
    assert [
        (v.provider, v.model, v.version, v.ts_first_seen, v.calls, v.input_usd_per_mtok)
        for v in versions
    ] == [
        ("deepseek", "deepseek-chat", "deepseek-chat", 3_000, 2, None),
        ("openai", "gpt-4o", "gpt-4o", 4_000, 1, None),
    ]
    with engine.connect() as connection:
        links = dict(connection.execute(text("SELECT id, model_version_id FROM llm_calls")).all())
    by_model = {v.model: v.id for v in versions}
    assert [links[i] for i in ids] == [
        by_model["deepseek-chat"], by_model["deepseek-chat"], None, by_model["gpt-4o"], None,
    ]  # fmt: skip

    # A later call answered as a new snapshot adds a version beside the backfilled one.
    LlmCallStore(engine).record(call(6_000, NOVEMBER))
    assert [v.version for v in ModelVersionStore(engine).versions()][:2] == [
        "gpt-4o-2024-11-20", "deepseek-chat",
    ]  # fmt: skip


def test_downgrading_the_migration_keeps_every_call_and_season_trail(engine: Engine) -> None:
    upgrade(engine, BEFORE)
    ids = old_calls(engine)
    upgrade(engine, "0014")
    downgrade(engine, BEFORE)
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT id FROM llm_calls ORDER BY id")).scalars().all()
        trail = (
            connection.execute(text("SELECT call_id FROM season_llm_calls ORDER BY tick"))
            .scalars()
            .all()
        )
        columns = connection.execute(text("SELECT * FROM llm_calls")).keys()
    assert kept == sorted(ids)
    assert trail == ids[:2]
    assert "model_version_id" not in columns
    upgrade(engine, "0014")  # and up again
    assert len(ModelVersionStore(engine).versions()) == 2
