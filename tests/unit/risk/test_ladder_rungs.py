"""Ladder rungs (entries with a limit price) at the risk checks: a rung may add to an open
position with pyramiding off, since its grid caps the levels, while a market entry still may
not; a limit price must be a positive number and a counter price needs one, on its profit side."""

from __future__ import annotations

import math

import pytest

from alpha_arena.domain.decisions import Signal
from alpha_arena.risk.checks import RiskRule
from alpha_arena.risk.limits import RiskLimits
from tests.unit.risk.test_checks import BTC, BUY, SELL, entry, position, run


def test_a_rung_adds_to_an_open_position_where_a_market_entry_may_not() -> None:
    held = {BTC: position()}
    market = run(entry(), RiskLimits(), positions=held)
    assert (market.approved, market.rule) == (False, RiskRule.PYRAMIDING)
    rung = run(entry(limit_price=49_000.0, counter_price=49_500.0), RiskLimits(), positions=held)
    assert rung.approved and rung.decision.limit_price == 49_000.0


def test_a_rung_never_adds_to_an_opposite_position() -> None:
    short = {BTC: position(quantity=-0.02)}
    verdict = run(entry(limit_price=49_000.0), RiskLimits(), positions=short)
    assert (verdict.approved, verdict.rule) == (False, RiskRule.PYRAMIDING)


@pytest.mark.parametrize("price", [0.0, -1.0, math.nan, math.inf])
def test_a_limit_price_must_be_a_positive_number(price: float) -> None:
    verdict = run(entry(limit_price=price))
    assert (verdict.approved, verdict.rule) == (False, RiskRule.INVALID)
    assert verdict.reason == f"limit price must be a positive number, got {price}"


@pytest.mark.parametrize(
    ("signal", "limit", "counter"),
    [
        (BUY, None, 51_000.0),  # a counter without a limit
        (BUY, 49_000.0, 48_500.0),  # a buy's take-profit below it
        (BUY, 49_000.0, 49_000.0),  # or at it
        (SELL, 51_000.0, 51_500.0),  # a sell's above it
        (BUY, 49_000.0, math.nan),
    ],
)
def test_a_counter_price_needs_a_limit_and_lies_on_its_profit_side(
    signal: Signal, limit: float | None, counter: float
) -> None:
    verdict = run(entry(signal, limit_price=limit, counter_price=counter))
    assert (verdict.approved, verdict.rule) == (False, RiskRule.INVALID)
    assert verdict.reason.startswith("a counter price needs a limit price and must lie on its")


def test_a_sell_rung_takes_profit_below_its_price() -> None:
    verdict = run(entry(SELL, limit_price=51_000.0, counter_price=50_500.0))
    assert verdict.approved
