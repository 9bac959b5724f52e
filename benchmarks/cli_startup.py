"""Wall-clock time of short `arena` commands, each run as a fresh process (what a person
waits for): `arena --help`, `arena version` and `arena season list`. Target: under 0.5 s.

Run: .venv/bin/python benchmarks/cli_startup.py [--runs 7]
`season list` reads a database of its own in a temporary folder, migrated before the runs
(as any first use does), so the figures do not depend on what ARENA_DATABASE_URL holds. The
first run of each command is a warm-up (disk cache, bytecode) and is not counted. Bytecode is
cached in a temporary folder even where PYTHONDONTWRITEBYTECODE is set (as in some sandboxes):
without it every run compiles the package's own modules again, which no installed copy does.
To see what a command imports and what each import costs:
`.venv/bin/python -X importtime -c 'import sys; sys.argv[1:] = ["season", "list"];
from alpha_arena.cli.app import main; main()'`."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from alpha_arena.core.settings import Settings
from alpha_arena.services.context import open_context

ARENA = str(Path(sys.executable).with_name("arena"))
COMMANDS = (["--help"], ["version"], ["season", "list"])
TARGET_S = 0.5


#: The floor of any command that reads the database: a Python that only imports the libraries
#: such a command cannot do without (the CLI framework, the settings, the database toolkit).
FLOOR = "import typer, rich.table, pydantic_settings, sqlalchemy, sqlalchemy.orm"


def wall_times(args: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Seconds per run of ``arena ARGS`` (or ``python ARGS``), after one warm-up run."""
    command = [sys.executable, *args] if args[0] == "-c" else [ARENA, *args]
    times = []
    for run in range(runs + 1):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        if run:
            times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'arena.db'}"
        open_context(Settings(database_url=url)).close()
        env = {key: value for key, value in os.environ.items()
               if key != "PYTHONDONTWRITEBYTECODE"}  # fmt: skip
        env |= {"ARENA_DATABASE_URL": url, "PYTHONPYCACHEPREFIX": str(Path(folder) / "pyc")}
        load = os.getloadavg()[0]
        print(f"arena startup, {runs} runs each after a warm-up (load average {load:.2f}):")
        for args in COMMANDS:
            times = wall_times(args, runs, env)
            median = statistics.median(times)
            verdict = "met" if median < TARGET_S else "MISSED"
            print(
                f"  arena {' '.join(args):<12} median {median:.3f} s, min {min(times):.3f} s, "
                f"max {max(times):.3f} s (target < {TARGET_S} s: {verdict})"
            )
        floor = wall_times(["-c", FLOOR], runs, env)
        print(
            f"  floor: python -c '{FLOOR}' median {statistics.median(floor):.3f} s "
            "(what any database command imports before doing anything)"
        )


if __name__ == "__main__":
    main()
