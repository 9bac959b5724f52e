"""Tunable defaults (``seasons.profile``) as a run is created with them: the built-in values,
then ``ARENA_CONFIG_FILE``, then the run's own preset and file. A season or backtest stores
what it resolved, so a later change of the settings never changes a replay."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.core.settings import Settings
from alpha_arena.seasons.config import SeasonConfig, parse_season_config
from alpha_arena.seasons.profile import (
    Profile,
    Setting,
    Tables,
    check_tables,
    explain,
    merge,
    preset,
    read_file,
)

Layers = list[tuple[str, Tables]]


def settings_layers(settings: Settings) -> Layers:
    """The layer of ``ARENA_CONFIG_FILE``, when it is set."""
    if settings.config_file is None:
        return []
    path = settings.config_file
    return [(f"ARENA_CONFIG_FILE {path}", read_file(path, "ARENA_CONFIG_FILE"))]


def option_layers(
    risk_preset: str | None = None,
    risk_config: Mapping[str, Any] | None = None,
    config_name: str = "risk_config",
) -> Layers:
    """The layers of a run's own preset and tables (``--risk-preset``, and ``--risk-config``'s
    file as ``read_file`` gave it, named ``config_name``)."""
    layers: Layers = []
    if risk_preset is not None:
        layers.append((f"preset {risk_preset}", preset(risk_preset)))
    if risk_config is not None:
        layers.append((config_name, check_tables(risk_config, config_name)))
    return layers


def option_file_layers(risk_preset: str | None, risk_config: Path | None) -> Layers:
    """``option_layers`` of the ``--risk-preset`` and ``--risk-config FILE`` options."""
    tables = None if risk_config is None else read_file(risk_config)
    return option_layers(risk_preset, tables, f"file {risk_config}")


def effective(settings: Settings, layers: Layers) -> list[Setting]:
    """Every setting over the settings' file and ``layers``, with where it came from."""
    return explain([*settings_layers(settings), *layers])


def resolved_tables(settings: Settings, layers: Layers) -> Tables:
    """The keys that the settings' file and ``layers`` set, in one set of tables."""
    return merge(*(tables for _, tables in [*settings_layers(settings), *layers]))


def profile(settings: Settings, layers: Layers) -> Profile:
    """The profile over the built-in defaults, the settings' file and ``layers``."""
    return Profile.model_validate(resolved_tables(settings, layers))


def with_backtest_profile(
    settings: Settings, config: BacktestConfig, layers: Layers
) -> BacktestConfig:
    """``config`` under the risk limits its profile sets (``ARENA_CONFIG_FILE``, then
    ``layers``); its own leverage stays the cap of the limits none sets."""
    risk = resolved_tables(settings, layers).get("risk", {})
    return replace(config, risk=tuple(sorted(risk.items())))


def pin_season_profile(settings: Settings, values: dict[str, Any]) -> SeasonConfig:
    """Validate a new season with ``ARENA_CONFIG_FILE`` under its own preset and tables,
    written into its ``risk_config`` so that the stored season needs neither again."""
    config = parse_season_config(values)
    base = settings_layers(settings)
    if not base and config.risk_preset is None:
        return config  # its own tables already are all it uses
    tables = merge(*(tables for _, tables in [*base, *config.profile_layers()]))
    return parse_season_config(config.model_dump(mode="json") | {"risk_config": tables or None})
