"""Building strategies by name from the string parameters a command line passes."""

from __future__ import annotations

import dataclasses

import pytest

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.strategies.library.bollinger_range import BollingerRangeParams
from alpha_arena.strategies.library.breakout import BreakoutParams
from alpha_arena.strategies.library.ema_trend import EmaTrend, EmaTrendParams
from alpha_arena.strategies.library.funding_rate_arbitrage import FundingRateArbitrageParams
from alpha_arena.strategies.library.momentum import MomentumParams
from alpha_arena.strategies.library.rsi_mean_reversion import RsiMeanReversionParams
from alpha_arena.strategies.library.seasonality import SeasonalityParams
from alpha_arena.strategies.registry import ParamInfo, create, describe, names, parse_params

ALL = [
    "ema_trend",
    "bollinger_range",
    "funding_rate_arbitrage",
    "breakout",
    "momentum",
    "rsi_mean_reversion",
    "volatility_breakout",
    "seasonality",
    "martingale",
    "grid",
    "buy_and_hold",
    "flat",
]


def one_line_error(name: str, raw: dict[str, str]) -> str:
    with pytest.raises(InvalidInputError) as raised:
        create(name, raw)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_names_lists_every_strategy_in_library_order() -> None:
    assert names() == ALL


def test_create_parses_ints_and_bools_into_the_params_dataclass() -> None:
    strategy = create("ema_trend", {"fast": "5", "slow": " 20 ", "allow_short": "false"})
    assert isinstance(strategy, EmaTrend)
    assert strategy.params == EmaTrendParams(fast=5, slow=20, allow_short=False)
    assert strategy.warmup == 19


def test_create_parses_floats_and_accepts_whole_numbers_for_them() -> None:
    params = create("bollinger_range", {"stddev": "2.5", "period": "30"}).params
    assert params == BollingerRangeParams(period=30, stddev=2.5, allow_short=True)
    momentum = create("momentum", {"threshold": "3"}).params
    assert momentum == MomentumParams(period=24, threshold=3.0)
    assert isinstance(momentum, MomentumParams)
    assert isinstance(momentum.threshold, float)
    funding = create("funding_rate_arbitrage", {"entry_rate": "1e-3"}).params
    assert funding == FundingRateArbitrageParams(entry_rate=0.001, exit_rate=0.0001)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("True", True),
        ("yes", True),
        ("1", True),
        ("on", True),
        ("false", False),
        ("FALSE", False),
        ("no", False),
        ("0", False),
        ("off", False),
    ],
)
def test_create_parses_boolean_spellings(text: str, value: bool) -> None:
    params = create("breakout", {"allow_short": text}).params
    assert isinstance(params, BreakoutParams)
    assert params.allow_short is value


def test_create_passes_text_parameters_stripped_to_the_params_class() -> None:
    params = create("seasonality", {"hours": " 1-2 ", "weekdays": "sat"}).params
    assert params == SeasonalityParams(hours="1-2", weekdays="sat", direction="long")


def test_omitted_parameters_take_their_defaults() -> None:
    assert create("ema_trend").params == EmaTrendParams(12, 26, True)
    assert create("rsi_mean_reversion", {}).params == RsiMeanReversionParams(14, 30.0, 70.0, 50.0)


def test_unknown_strategy_is_rejected_listing_accepted_names() -> None:
    message = one_line_error("ema_crossover", {})
    assert message == f"unknown strategy 'ema_crossover'; accepted: {', '.join(ALL)}"


def test_unknown_parameter_is_rejected_listing_accepted_parameters() -> None:
    message = one_line_error("ema_trend", {"fast": "5", "fsat": "5"})
    assert message == "ema_trend has no parameter 'fsat'; accepted: fast, slow, allow_short"


def test_parameter_for_strategy_without_parameters_is_rejected() -> None:
    message = one_line_error("buy_and_hold", {"period": "3"})
    assert message == "buy_and_hold has no parameter 'period'; accepted: none"


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("ema_trend", {"fast": "26", "slow": "12"}, "fast (26) must be less than slow (12)"),
        ("ema_trend", {"fast": "12", "slow": "12"}, "fast (12) must be less than slow (12)"),
        ("ema_trend", {"fast": "abc"}, "fast must be a whole number, got 'abc'"),
        ("ema_trend", {"fast": "12.5"}, "fast must be a whole number, got '12.5'"),
        ("ema_trend", {"fast": "0"}, "fast must be a whole number of at least 1, got 0"),
        ("ema_trend", {"allow_short": "maybe"}, "allow_short must be true or false, got 'maybe'"),
        ("bollinger_range", {"period": "1"}, "period must be a whole number of at least 2, got 1"),
        ("bollinger_range", {"stddev": "nan"}, "stddev must be a finite number, got 'nan'"),
        ("bollinger_range", {"stddev": "-1"}, "stddev must be positive, got -1.0"),
        ("bollinger_range", {"stddev": ""}, "stddev must be a finite number, got ''"),
        (
            "funding_rate_arbitrage",
            {"entry_rate": "0.0001", "exit_rate": "0.0002"},
            "exit_rate (0.0002) must be less than entry_rate (0.0001)",
        ),
        (
            "funding_rate_arbitrage",
            {"exit_rate": "-0.0001"},
            "exit_rate must not be negative, got -0.0001",
        ),
        ("breakout", {"period": "1"}, "period must be a whole number of at least 2, got 1"),
        ("momentum", {"threshold": "-1"}, "threshold must not be negative, got -1.0"),
        ("momentum", {"period": "0"}, "period must be a whole number of at least 1, got 0"),
        (
            "rsi_mean_reversion",
            {"oversold": "55"},
            "oversold (55.0) must be less than exit_level (50.0)",
        ),
        (
            "rsi_mean_reversion",
            {"overbought": "45"},
            "exit_level (50.0) must be less than overbought (45.0)",
        ),
        ("rsi_mean_reversion", {"overbought": "100"}, "overbought must be below 100, got 100.0"),
        ("rsi_mean_reversion", {"oversold": "0"}, "oversold must be above 0, got 0.0"),
        (
            "volatility_breakout",
            {"period": "0"},
            "period must be a whole number of at least 1, got 0",
        ),
        (
            "volatility_breakout",
            {"multiplier": "0"},
            "multiplier must be in (0, 10], got 0.0",
        ),
        (
            "volatility_breakout",
            {"multiplier": "11"},
            "multiplier must be in (0, 10], got 11.0",
        ),
    ],
)
def test_bad_parameter_value_is_rejected_with_one_line_message(
    name: str, raw: dict[str, str], message: str
) -> None:
    assert one_line_error(name, raw) == message


def test_params_classes_validate_when_built_directly_and_are_frozen() -> None:
    with pytest.raises(InvalidInputError, match=r"fast \(30\) must be less than slow \(26\)"):
        EmaTrendParams(fast=30)
    with pytest.raises(InvalidInputError, match="fast must be a whole number"):
        EmaTrendParams(fast=5.0)  # type: ignore[arg-type]
    params = EmaTrendParams()
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.fast = 3  # type: ignore[misc]


def test_parse_params_builds_params_without_a_strategy() -> None:
    assert parse_params("momentum", {"period": "6"}) == MomentumParams(period=6)


def test_describe_lists_every_strategy_with_rule_and_parameter_defaults() -> None:
    infos = {info.name: info for info in describe()}
    assert list(infos) == ALL
    assert infos["ema_trend"].params == (
        ParamInfo("fast", "int", 12),
        ParamInfo("slow", "int", 26),
        ParamInfo("allow_short", "bool", True),
    )
    assert infos["bollinger_range"].params == (
        ParamInfo("period", "int", 20),
        ParamInfo("stddev", "float", 2.0),
        ParamInfo("allow_short", "bool", True),
    )
    assert infos["funding_rate_arbitrage"].params == (
        ParamInfo("entry_rate", "float", 0.0005),
        ParamInfo("exit_rate", "float", 0.0001),
    )
    assert infos["breakout"].params == (
        ParamInfo("period", "int", 20),
        ParamInfo("allow_short", "bool", True),
    )
    assert infos["momentum"].params == (
        ParamInfo("period", "int", 24),
        ParamInfo("threshold", "float", 0.0),
        ParamInfo("allow_short", "bool", True),
    )
    assert infos["rsi_mean_reversion"].params == (
        ParamInfo("period", "int", 14),
        ParamInfo("oversold", "float", 30.0),
        ParamInfo("overbought", "float", 70.0),
        ParamInfo("exit_level", "float", 50.0),
    )
    assert infos["volatility_breakout"].params == (
        ParamInfo("period", "int", 14),
        ParamInfo("multiplier", "float", 1.0),
        ParamInfo("allow_short", "bool", True),
    )
    assert infos["seasonality"].params == (
        ParamInfo("hours", "str", "13-20"),
        ParamInfo("weekdays", "str", "mon-fri"),
        ParamInfo("direction", "str", "long"),
    )
    assert infos["martingale"].params == (
        ParamInfo("hold", "int", 24),
        ParamInfo("max_doublings", "int", 3),
    )
    assert infos["buy_and_hold"].params == ()
    assert infos["flat"].params == ()


def test_describe_takes_summary_and_rule_from_the_docstring() -> None:
    for info in describe():
        assert info.summary
        assert "\n" not in info.summary
        assert info.rule.startswith(info.summary)
        assert len(info.rule) > len(info.summary), info.name  # the rule itself follows
    ema = next(info for info in describe() if info.name == "ema_trend")
    assert ema.summary == "Follow the trend of two EMAs of the close."
    assert "EMA(fast) is above EMA(slow)" in ema.rule
    assert ema.as_dict()["params"][0] == {"name": "fast", "type": "int", "default": 12}
