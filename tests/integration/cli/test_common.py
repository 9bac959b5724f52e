"""What every command shares: a database that fails (unreachable, read-only) ends the command
with one ``error:`` line and exit code 2, never a traceback."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.services.context import open_context
from tests.support.databases import BACKENDS, empty_database, settings_for

ADD = ("agent", "add", "writer", "--kind", "strategy", "--strategy", "ema_trend")


def invoke(url: str, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"ARENA_DATABASE_URL": url})


def assert_one_line(result: Result, *fragments: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", [("season", "list"), ADD, ("agent", "list")])
def test_an_unreachable_postgresql_server_is_one_line(command: tuple[str, ...]) -> None:
    url = "postgresql+psycopg://arena:secret-password@127.0.0.1:1/arena"
    line = assert_one_line(invoke(url, *command), "127.0.0.1:1")
    assert "secret-password" not in line


def _read_only(backend: str, url: str, tmp_path: Path) -> str:
    """The same database, opened so that every write fails as on a read-only file."""
    if backend == "sqlite":
        # Read-only as a file the user cannot write would be (the tests may run as root,
        # whom file modes do not stop): SQLite's own read-only mode.
        path = url.removeprefix("sqlite:///")
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    return url + quote(" -c default_transaction_read_only=on")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_write_to_a_read_only_database_is_one_line(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with empty_database(backend, tmp_path) as url:
        open_context(settings_for(url)).close()  # migrated while writable
        read_only = _read_only(backend, url, tmp_path)
        assert invoke(read_only, "agent", "list").exit_code == 0  # reading still works
        assert_one_line(invoke(read_only, *ADD), "read-only", "make the file")
        assert invoke(url, *ADD).exit_code == 0  # the database itself is fine
