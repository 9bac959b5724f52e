"""``.env.example`` documents every setting Alpha Arena reads, with values that are valid."""

from __future__ import annotations

import re
from pathlib import Path

from alpha_arena.core.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[3] / ".env.example"


def test_every_setting_is_in_the_example_file() -> None:
    named = set(re.findall(r"\bARENA_[A-Z0-9_]+", EXAMPLE.read_text()))
    expected = {f"ARENA_{name.upper()}" for name in Settings.model_fields}
    assert expected - named == set()


def test_the_example_values_are_valid_settings() -> None:
    values = dict(re.findall(r"^(ARENA_[A-Z0-9_]+)=(.*)$", EXAMPLE.read_text(), re.MULTILINE))
    fields = {name.removeprefix("ARENA_").lower(): value for name, value in values.items()}
    given = {name: value for name, value in fields.items() if name in Settings.model_fields}
    assert "db_pool_size" in given
    settings = Settings(_env_file=None, **given)
    assert (settings.db_pool_size, settings.db_max_overflow) == (5, 10)
    assert (settings.db_pool_timeout_s, settings.db_connect_timeout_s) == (30.0, 10)
