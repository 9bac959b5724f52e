"""Repository hygiene: the license file says what pyproject.toml declares, and the pre-commit
hooks run exactly the lint commands `make test` runs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_the_license_file_is_the_license_pyproject_declares() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    assert declared == "MIT"
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text


def make_test_lint_commands() -> list[str]:
    """The ruff and mypy lines of the Makefile's `test` recipe, with $(BIN) as .venv/bin."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None
    lines = [line.strip().replace("$(BIN)", ".venv/bin") for line in recipe[1].splitlines()]
    return [line for line in lines if "/ruff " in line or line.endswith("/mypy")]


def test_pre_commit_runs_the_same_ruff_and_mypy_as_make_test() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    entries = [hook["entry"] for hook in hooks]
    assert set(make_test_lint_commands()) <= set(entries)
    # `make lint` also checks the formatting; the hooks do too.
    assert ".venv/bin/ruff format --check src tests benchmarks" in entries
    for hook in hooks:  # whole-tree checks, as make runs them, not per staged file
        assert hook["language"] == "system" and hook["pass_filenames"] is False
