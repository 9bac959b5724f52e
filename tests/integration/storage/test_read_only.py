"""A SQLite database this process may not write (a read-only file, or a read-only folder that
cannot hold the WAL's shared-memory file) can still be read; a command that writes ends with
one line saying the database is read-only, never a traceback."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.core.time import parse_ts
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.services.seasons import create_season
from tests.support.databases import settings_for
from tests.support.sample import sample_subset

BTC = "BTC/USDT:USDT"


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make ``path`` (a file or a folder) unwritable even for root: immutable where chattr
    works, else without write permission."""
    if os.geteuid() == 0 and shutil.which("chattr"):
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        return
    mode = path.stat().st_mode
    path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        yield
    finally:
        path.chmod(mode)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A SQLite database holding one season, every connection to it closed."""
    path = tmp_path / "db" / "arena.db"
    context = open_context(settings_for(f"sqlite:///{path}"))
    try:
        load_sample(context, sample_subset(tmp_path / "sample", ["binance_usdm_BTCUSDT_1h.csv.gz"]))
        add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend"})
        window = {"start": parse_ts("2024-03-01"), "end": parse_ts("2024-03-02")}
        create_season(context, {"name": "kept", "symbols": [BTC], "participants": ["trend"],
                                **window})  # fmt: skip
    finally:
        context.close()
    return path


def cli(path: Path, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"ARENA_DATABASE_URL": f"sqlite:///{path}"})


def assert_reads_work_and_writes_are_one_line(path: Path) -> None:
    listed = cli(path, "season", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert '"name": "kept"' in listed.stdout
    refused = cli(path, "agent", "add", "another", "--kind", "strategy", "--strategy", "breakout")
    assert refused.exit_code == 2
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith(f"error: database sqlite:///{path} is read-only"), line


def test_a_read_only_file_not_in_wal_mode_can_be_read(database: Path) -> None:
    with sqlite3.connect(database) as connection:  # a copy made by .backup or VACUUM INTO
        connection.execute("PRAGMA journal_mode=DELETE")
    with read_only(database):
        assert_reads_work_and_writes_are_one_line(database)


def test_a_wal_database_in_a_read_only_folder_can_be_read(database: Path) -> None:
    assert not database.with_name("arena.db-shm").exists()  # closed cleanly: no -shm left
    with read_only(database.parent):
        assert_reads_work_and_writes_are_one_line(database)
