"""The command starts without loading what it does not use: the help, the version and
`arena season list` import no market-data stack, exchange client, model SDK or Alembic
(timings are in benchmarks/cli_startup.py; this checks what is imported, not how fast)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from alpha_arena.services.context import open_context
from tests.support.databases import settings_for

#: Loaded only by the commands that need them.
HEAVY = ("ccxt", "pandas", "numpy", "pyarrow", "talib", "openai", "anthropic", "jinja2",
         "alembic", "fastapi", "uvicorn")  # fmt: skip

_REPORT = """
import json, sys
sys.argv = ["arena", *json.loads(sys.argv[1])]
from alpha_arena.cli.app import main
try:
    main()
except SystemExit:
    pass
print("\\nLOADED=" + json.dumps(sorted(sys.modules)))
"""


def loaded_by(args: list[str], env: dict[str, str] | None = None) -> set[str]:
    """The top-level packages imported by running ``arena ARGS`` in a fresh interpreter."""
    result = subprocess.run([sys.executable, "-c", _REPORT, json.dumps(args)], check=False,
                            capture_output=True, text=True, timeout=120, env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout.rsplit("LOADED=", 1)[1])
    return {name.split(".")[0] for name in modules}


def test_importing_the_cli_loads_no_heavy_dependency() -> None:
    code = "import json, sys, alpha_arena.cli.app; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)  # fmt: skip
    loaded = {name.split(".")[0] for name in json.loads(result.stdout)}
    assert not loaded & {*HEAVY, "sqlalchemy"}, sorted(loaded & {*HEAVY, "sqlalchemy"})


def test_help_and_version_load_no_heavy_dependency() -> None:
    for args in (["--help"], ["version"], ["season", "--help"], ["agent", "decide", "--help"]):
        loaded = loaded_by(args)
        assert not loaded & {*HEAVY, "sqlalchemy"}, (args, sorted(loaded & set(HEAVY)))


def test_season_list_on_a_current_database_loads_neither_the_data_stack_nor_alembic(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'arena.db'}"
    open_context(settings_for(url)).close()  # migrated once, as any first use does
    loaded = loaded_by(["season", "list"], env=os.environ | {"ARENA_DATABASE_URL": url})
    assert "sqlalchemy" in loaded  # it did read the database
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_exchanges_in_the_ingest_help_are_the_supported_ones() -> None:
    from alpha_arena.cli.ingest import SUPPORTED_EXCHANGES as SHOWN
    from alpha_arena.services.ingestion import SUPPORTED_SOURCES

    assert SHOWN == SUPPORTED_SOURCES
