"""``arena db downgrade`` and ``arena db history`` on SQLite and PostgreSQL: a downgrade says
from which revision to which and really drops the newer tables; base needs --yes; an unknown
or impossible target is one line and exit code 2, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.storage.database import create_database_engine, table_names
from alpha_arena.storage.schema import current_revision, head_revision, revision_history
from tests.integration.cli.test_common import assert_one_line
from tests.support.databases import BACKENDS, empty_database


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with empty_database(request.param, tmp_path) as database_url:
        yield database_url


def arena(url: str, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"ARENA_DATABASE_URL": url})


def revision_of(url: str) -> tuple[str | None, set[str]]:
    engine = create_database_engine(url)
    try:
        return current_revision(engine), table_names(engine)
    finally:
        engine.dispose()


def test_downgrade_steps_down_by_id_and_by_count_then_upgrade_restores_the_head(url: str) -> None:
    assert arena(url, "db", "upgrade", "0012").exit_code == 0  # fixed: later ones may come
    assert revision_of(url)[0] == "0012"
    by_id = arena(url, "db", "downgrade", "0011")
    assert by_id.exit_code == 0, by_id.output
    assert "database downgraded from revision 0012 to 0011" in by_id.output
    current, tables = revision_of(url)
    assert current == "0011" and "agent_secrets" not in tables and "sweeps" in tables
    by_count = arena(url, "db", "downgrade", "-2")
    assert by_count.exit_code == 0, by_count.output
    assert "from revision 0011 to 0009" in by_count.output
    current, tables = revision_of(url)
    assert current == "0009" and "season_series" not in tables and "sweeps" in tables
    same = arena(url, "db", "downgrade", "0009")
    assert same.exit_code == 0 and "already at revision 0009" in same.output
    upgraded = arena(url, "db", "upgrade")
    head = revision_history(create_database_engine("sqlite://"))[-1].revision
    assert f"upgraded from 0009 to revision {head}" in upgraded.output
    assert revision_of(url)[0] == head


def test_downgrade_to_base_needs_yes_because_it_drops_every_table(url: str) -> None:
    assert arena(url, "db", "upgrade", "0012").exit_code == 0  # fixed: later ones may come
    assert_one_line(arena(url, "db", "downgrade", "base"), "drops every table", "--yes")
    assert_one_line(arena(url, "db", "downgrade", "-12"), "--yes")  # 12 steps reach base too
    assert revision_of(url)[0] == "0012"  # refused: nothing dropped
    dropped = arena(url, "db", "downgrade", "base", "--yes")
    assert dropped.exit_code == 0, dropped.output
    assert "from revision 0012 to base (empty)" in dropped.output
    current, tables = revision_of(url)
    assert current is None and tables <= {"alembic_version"}
    assert_one_line(arena(url, "db", "downgrade", "-1"), "database is empty")


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("0099", "unknown revision '0099': `arena db history` lists the valid ones"),
        ("garbage;drop", "unknown revision"),
        ("-13", "only 11 revisions below it"),
        ("-0", "at least one step"),
    ],
)
def test_an_impossible_target_is_one_line_and_changes_nothing(
    url: str, target: str, fragment: str
) -> None:
    assert arena(url, "db", "upgrade", "0012").exit_code == 0  # fixed: later ones may come
    assert_one_line(arena(url, "db", "downgrade", target), fragment)
    assert revision_of(url)[0] == "0012"


def test_a_newer_target_points_to_upgrade(url: str) -> None:
    assert arena(url, "db", "upgrade", "0010").exit_code == 0
    assert_one_line(arena(url, "db", "downgrade", "0011"), "newer than the current 0010",
                    "arena db upgrade 0011")  # fmt: skip


def test_history_lists_every_revision_with_its_description_and_marks_the_current(
    url: str,
) -> None:
    engine = create_database_engine(url)
    try:
        history = revision_history(engine)
        head = head_revision(engine)
    finally:
        engine.dispose()
    assert [item.revision for item in history][:2] == ["0001", "0002"]
    assert history[-1].revision == head and len(history) >= 12
    empty = arena(url, "db", "history", "--json")
    assert empty.exit_code == 0, empty.output
    assert json.loads(empty.output)["current"] is None
    assert arena(url, "db", "upgrade", "0010").exit_code == 0
    shown = arena(url, "db", "history", "--json")
    payload = json.loads(shown.output)
    assert payload["current"] == "0010" and payload["head"] == head
    assert [row["revision"] for row in payload["revisions"]] == [h.revision for h in history]
    assert [row["revision"] for row in payload["revisions"] if row["current"]] == ["0010"]
    assert payload["revisions"][0]["description"] == "market data"
    table = arena(url, "db", "history")
    assert table.exit_code == 0, table.output
    line_of = {line.split()[1]: line for line in table.output.splitlines() if "│ 00" in line}
    assert set(line_of) == {h.revision for h in history}
    assert "current" in line_of["0010"] and "current" not in line_of["0009"]
    assert "head" in line_of[head or ""] and "season series: one pinned lineup" in line_of["0010"]
