from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from alpha_arena.core.settings import DEFAULT_DATABASE_URL, Settings


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_defaults_use_a_sqlite_file_under_data() -> None:
    settings = make()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.sqlite_path() == Path("./data/arena.db")


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////var/lib/arena.db", Path("/var/lib/arena.db")),
        ("sqlite:///:memory:", None),
        ("postgresql+psycopg://arena@db/arena", None),
    ],
)
def test_sqlite_path_is_the_file_of_a_sqlite_url_only(url: str, path: Path | None) -> None:
    assert make(database_url=url).sqlite_path() == path


def test_environment_variables_with_the_arena_prefix_are_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARENA_DATABASE_URL", "sqlite:////tmp/elsewhere.db")
    monkeypatch.setenv("ARENA_EXCHANGE_MAX_RETRIES", "2")
    settings = make()
    assert (settings.database_url, settings.exchange_max_retries) == (
        "sqlite:////tmp/elsewhere.db",
        2,
    )


def test_log_level_is_case_insensitive() -> None:
    assert make(log_level="debug").log_level == "DEBUG"


@pytest.mark.parametrize(
    ("field", "value"),
    [("log_level", "loud"), ("exchange_timeout_s", 0), ("exchange_max_retries", 50)],
)
def test_an_invalid_value_is_rejected_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as raised:
        make(**{field: value})
    assert raised.value.errors()[0]["loc"] == (field,)


def test_secrets_are_not_shown_in_the_settings_repr() -> None:
    settings = make(exchange_api_key="k-123456", exchange_api_secret="s-abcdef")
    assert "k-123456" not in repr(settings)
    assert "s-abcdef" not in repr(settings)
    assert settings.exchange_api_key is not None
    assert settings.exchange_api_key.get_secret_value() == "k-123456"


def test_the_common_database_url_is_read_when_the_arena_one_is_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ARENA_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://host/common")
    assert make().database_url == "postgresql+psycopg://host/common"
    monkeypatch.setenv("ARENA_DATABASE_URL", "sqlite:////tmp/ours.db")
    assert make().database_url == "sqlite:////tmp/ours.db"  # the prefixed name wins
    assert make(database_url="sqlite:////tmp/given.db").database_url == "sqlite:////tmp/given.db"


def test_the_common_database_url_is_read_from_the_env_file_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARENA_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    env = tmp_path / ".env"
    env.write_text("DATABASE_URL=sqlite:////tmp/from-file.db\n")
    assert Settings(_env_file=env).database_url == "sqlite:////tmp/from-file.db"  # type: ignore[call-arg]
