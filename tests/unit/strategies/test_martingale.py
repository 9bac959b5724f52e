"""The martingale cautionary example on closes whose round trips are computed by hand."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import Candles
from alpha_arena.strategies.base import StrategyInput
from alpha_arena.strategies.registry import STRATEGIES, check_live_trading, create

HOUR_MS = 3_600_000
# hold 2, max_doublings 2: sizes 0.25, 0.5, 1.0 (the cap).
CLOSES = [10.0, 11, 12, 10, 9, 8, 10, 11, 12, 10, 12, 11, 13, 12]
EXPECTED = [
    0,  # warm-up
    0.25,  # 11 >= 10: long 0.25, entered at 11
    0.25,
    0,  # exit at 10 < 11: a loss -> size 0.5
    -0.5,  # 9 < 10: short 0.5, entered at 9
    -0.5,
    0,  # exit at 10 > 9: a loss for a short -> size 1.0
    1.0,  # 11 >= 10: long 1.0, entered at 11
    1.0,
    0,  # exit at 10 < 11: a loss, the size stays at its cap 1.0
    1.0,  # 12 >= 10: long 1.0, entered at 12
    1.0,
    0,  # exit at 13 > 12: a win -> back to 0.25
    -0.25,  # 12 < 13: short 0.25
]


def closes(values: list[float]) -> StrategyInput:
    rows = [(i * HOUR_MS, c, c, c, c, 1.0) for i, c in enumerate(values)]
    return StrategyInput(
        "BTC/USDT:USDT", "1h", Candles.from_rows(rows), np.full(len(values), np.nan)
    )


def test_size_doubles_after_each_loss_up_to_the_cap_and_resets_after_a_win() -> None:
    strategy = create("martingale", {"hold": "2", "max_doublings": "2"})
    assert_array_equal(strategy.targets(closes(CLOSES)), EXPECTED)


def test_explain_names_the_losing_streak_behind_the_size() -> None:
    strategy = create("martingale", {"hold": "2", "max_doublings": "2"})
    data = closes(CLOSES)
    targets = strategy.targets(data)
    assert strategy.explain(data, 0, targets) == "martingale: warming up (bar 1 of 1) -> flat"
    assert strategy.explain(data, 4, targets) == (
        "martingale: size 0.5 after 1 losing round trip(s) in a row -> short"
    )
    assert strategy.explain(data, 9, targets) == (
        "martingale: round trip closed after its hold -> flat"
    )
    assert strategy.explain(data, 13, targets).endswith(
        "after 0 losing round trip(s) in a row -> short"
    )


def test_only_the_martingale_and_the_grid_are_refused_for_live_trading() -> None:
    refused = [name for name, kind in STRATEGIES.items() if not kind.live_trading]
    assert refused == ["martingale", "grid"]
    check_live_trading("trend", ["ema_trend", "volatility_breakout"])
    with pytest.raises(InvalidInputError) as raised:
        check_live_trading("doubler", ["ema_trend", "martingale"])
    assert str(raised.value) == (
        "agent 'doubler' runs strategy martingale, a cautionary example that live seasons "
        "refuse; enter it in a replay or paper season instead"
    )


def test_its_rule_says_why_it_is_dangerous() -> None:
    rule = STRATEGIES["martingale"].__doc__ or ""
    assert rule.startswith("Cautionary example")
    assert "Why it is dangerous" in rule
    assert "Live\n    seasons refuse it." in rule


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"hold": "0"}, "hold must be a whole number of at least 1, got 0"),
        ({"max_doublings": "0"}, "max_doublings must be a whole number of at least 1, got 0"),
        ({"max_doublings": "7"}, "max_doublings must be at most 6, got 7"),
    ],
)
def test_bad_parameters_are_one_line_errors(raw: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        create("martingale", raw)
    assert str(raised.value) == message
