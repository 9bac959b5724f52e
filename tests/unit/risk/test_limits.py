"""Risk limits reject bad configuration; the trading day rolls over at UTC midnight."""

from __future__ import annotations

import math

import pytest

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import DAY_MS, HOUR_MS
from alpha_arena.risk.limits import RiskLimits, TradingDay

T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z


def test_default_limits_cap_leverage_and_forbid_pyramiding_only() -> None:
    limits = RiskLimits()
    assert (limits.max_leverage, limits.allow_pyramiding) == (10.0, False)
    assert limits.max_position_notional is None
    assert limits.max_total_exposure is None
    assert limits.daily_loss_limit is None
    assert (limits.min_confidence, limits.require_stop_loss) == (0.0, False)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"max_leverage": 0.5}, r"max_leverage must be a number >= 1, got 0.5"),
        ({"max_leverage": math.inf}, r"max_leverage must be a number >= 1, got inf"),
        ({"max_position_notional": 0.0}, r"max_position_notional must be None or > 0, got 0.0"),
        ({"max_total_exposure": -1.0}, r"max_total_exposure must be None or > 0"),
        ({"min_confidence": 1.5}, r"min_confidence must be in \[0, 1\], got 1.5"),
        ({"min_confidence": math.nan}, r"min_confidence must be in \[0, 1\], got nan"),
        ({"daily_loss_limit": 0.0}, r"daily_loss_limit must be None or in \(0, 1\], got 0.0"),
        ({"daily_loss_limit": 1.2}, r"daily_loss_limit must be None or in \(0, 1\]"),
        ({"max_leverage": "5"}, r"max_leverage must be a number >= 1, got '5'"),
        ({"allow_pyramiding": "no"}, r"allow_pyramiding must be true or false, got 'no'"),
    ],
)
def test_out_of_range_limit_is_rejected_with_what_is_accepted(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        RiskLimits.from_mapping(values)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidInputError, match=r"max_leverage.*; min_confidence"):
        RiskLimits(max_leverage=0.0, min_confidence=2.0)


def test_unknown_limit_name_is_rejected_with_the_accepted_names() -> None:
    with pytest.raises(InvalidInputError, match=r"unknown risk limit max_levrage; accepted: max_"):
        RiskLimits.from_mapping({"max_levrage": 5})


def test_limits_from_a_mapping_equal_the_constructed_ones() -> None:
    values = {"max_leverage": 5, "daily_loss_limit": 0.05, "require_stop_loss": True}
    assert RiskLimits.from_mapping(values) == RiskLimits(
        max_leverage=5, daily_loss_limit=0.05, require_stop_loss=True
    )


def test_trading_day_tracks_the_low_and_starts_afresh_at_utc_midnight() -> None:
    day = TradingDay.starting(T0 + 3 * HOUR_MS, 1000.0)
    assert day == TradingDay(T0, 1000.0, 1000.0)
    day = day.observe(T0 + 5 * HOUR_MS, 940.0).observe(T0 + 9 * HOUR_MS, 1010.0)
    assert day == TradingDay(T0, 1000.0, 940.0)
    assert day.observe(T0 + DAY_MS - 1, 990.0) == TradingDay(T0, 1000.0, 940.0)
    assert day.observe(T0 + DAY_MS, 1010.0) == TradingDay(T0 + DAY_MS, 1010.0, 1010.0)
