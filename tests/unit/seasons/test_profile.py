"""Trading profiles: presets, layers and their precedence, and one-line errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.seasons.config import parse_season_config
from alpha_arena.seasons.profile import (
    PRESETS,
    Profile,
    check_tables,
    explain,
    preset,
    read_file,
    resolve,
    risk_limits,
)

SEASON = {"name": "s", "symbols": ["BTC/USDT:USDT"], "start": 0, "end": 10 * 3_600_000}


def test_the_default_profile_is_todays_values() -> None:
    profile = resolve([("preset default", preset("default"))])
    assert profile == Profile()
    assert risk_limits(profile) == RiskLimits()
    regime = profile.regime.thresholds()
    assert (regime.trend_adx, regime.squeeze_percentile, regime.window) == (25.0, 20.0, 200)
    scoring = profile.portfolio.scoring()
    assert (scoring.min_score, scoring.weighting) == (0.0, "score")


def test_the_conservative_preset_is_the_seeds_defaults() -> None:
    limits = risk_limits(resolve([("preset conservative", preset("conservative"))]))
    assert limits == RiskLimits(max_leverage=3.0, min_confidence=0.6,
                                max_position_notional=20_000.0)  # fmt: skip
    assert sorted(PRESETS) == ["conservative", "default"]


def test_later_layers_win_key_by_key_and_say_where_each_value_came_from() -> None:
    layers = [
        ("ARENA_CONFIG_FILE a.toml", {"risk": {"max_leverage": 5.0, "min_confidence": 0.2},
                                      "regime": {"trend_adx": 30.0}}),
        ("preset conservative", preset("conservative")),
        ("file b.toml", {"risk": {"min_confidence": 0.7}}),
    ]  # fmt: skip
    found = {(s.table, s.key): (s.value, s.source) for s in explain(layers)}
    assert found[("risk", "max_leverage")] == (3.0, "preset conservative")
    assert found[("risk", "min_confidence")] == (0.7, "file b.toml")
    assert found[("risk", "max_position_notional")] == (20_000.0, "preset conservative")
    assert found[("regime", "trend_adx")] == (30.0, "ARENA_CONFIG_FILE a.toml")
    assert found[("regime", "window")] == (200, "default")
    assert found[("portfolio", "weighting")] == ("score", "default")
    assert len(found) == 12


def test_a_seasons_single_limits_win_over_its_preset_and_tables() -> None:
    config = parse_season_config(SEASON | {
        "risk_preset": "conservative", "risk_config": {"risk": {"min_confidence": 0.8}},
        "risk": {"max_leverage": 2},
    })  # fmt: skip
    limits = config.limits()
    assert (limits.max_leverage, limits.min_confidence) == (2.0, 0.8)
    assert limits.max_position_notional == 20_000.0
    assert parse_season_config(SEASON).limits() == RiskLimits()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[risk]\nmax_lev = 3\n", "unknown key risk.max_lev; accepted: max_leverage, "),
        ("[risks]\n", "unknown table risks; accepted: risk, regime, portfolio"),
        ('[risk]\nmax_leverage = "3"\n', "risk.max_leverage = '3': Input should be a valid number"),
        ("[risk]\nmax_leverage = -2\n", "risk.max_leverage = -2: Input should be greater than"),
        ("[risk]\nmax_leverage = 1000\n", "risk.max_leverage = 1000: Input should be less than"),
        ("[risk]\nmin_confidence = 1.5\n", "risk.min_confidence = 1.5: Input should be less"),
        ("[risk]\nallow_pyramiding = 1\n", "risk.allow_pyramiding = 1: Input should be a valid "),
        ("[regime]\nwindow = 2.5\n", "regime.window = 2.5: Input should be a valid integer"),
        ("[regime]\ntrend_adx = 0\n", "regime.trend_adx = 0: Input should be greater than 0"),
        ("[portfolio]\nweighting = 'best'\n", "portfolio.weighting = 'best': Input should be "),
        ("[risk]\nmax_leverage = inf\n", "risk.max_leverage = inf: Input should be a finite"),
        ("risk = 3\n", "risk must be a table of settings"),
        ("[risk\n", "not valid TOML: "),
    ],
)
def test_a_bad_file_is_one_line_naming_the_file_and_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InvalidInputError) as raised:
        read_file(path)
    said = str(raised.value)
    assert said.startswith(f"risk config {path}: ") and message in said
    assert "\n" not in said


def test_a_missing_file_and_an_unknown_preset_say_so(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"risk config .*nowhere.toml: no such file"):
        read_file(tmp_path / "nowhere.toml")
    with pytest.raises(InvalidInputError, match="unknown risk preset 'bold'; accepted: default, "
                       "conservative"):  # fmt: skip
        preset("bold")


def test_a_season_refuses_bad_tables_and_presets_in_one_line() -> None:
    with pytest.raises(InvalidInputError, match="unknown risk preset 'bold'"):
        parse_season_config(SEASON | {"risk_preset": "bold"})
    with pytest.raises(InvalidInputError, match=r"^season risk_config: regime.window = 1: "):
        parse_season_config(SEASON | {"risk_config": {"regime": {"window": 1}}})
    with pytest.raises(InvalidInputError, match="expected tables"):
        check_tables(["risk"], "season risk_config")
