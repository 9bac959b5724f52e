"""A backtest's configuration crosses to a worker as JSON and comes back whole, its risk
limits (a preset's, a file's) included."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.worker.tasks import backtest_config

CONSERVATIVE = (("max_leverage", 3.0), ("max_position_notional", 20_000.0),
                ("min_confidence", 0.6))  # fmt: skip


def test_the_json_form_rebuilds_the_same_config_and_limits() -> None:
    config = BacktestConfig("ema_trend", ("BTC/USDT:USDT",), "1h", 0, 3_600_000 * 48,
                            leverage=5.0, params=(("fast", "8"),), risk=CONSERVATIVE)  # fmt: skip
    rebuilt = backtest_config(json.loads(json.dumps(asdict(config))))
    assert rebuilt == config
    assert rebuilt.limits() == RiskLimits(max_leverage=3.0, max_position_notional=20_000.0,
                                          min_confidence=0.6)  # fmt: skip


def test_without_limits_the_leverage_is_the_only_cap_and_old_forms_still_read() -> None:
    config = BacktestConfig("ema_trend", ("BTC/USDT:USDT",), "1h", 0, 3_600_000, leverage=4.0)
    assert config.limits() == RiskLimits(max_leverage=4.0)
    values = asdict(config)
    del values["risk"]  # sent before backtests had risk limits
    assert backtest_config(values) == config


def test_a_bad_limit_is_refused_when_the_config_is_made() -> None:
    with pytest.raises(InvalidInputError, match="min_confidence must be in"):
        BacktestConfig("ema_trend", ("BTC/USDT:USDT",), "1h", 0, 3_600_000,
                       risk=(("min_confidence", 2.0),))  # fmt: skip
