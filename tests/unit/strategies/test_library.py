"""Every registered strategy on real Binance BTC perpetual bars and funding: the contract
(length, range, warm-up, causality, determinism) and each rule's own behaviour."""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view
from numpy.testing import assert_array_equal

from alpha_arena.domain.market import FloatArray, IntArray
from alpha_arena.indicators import bollinger, ema, roc, rsi
from alpha_arena.marketdata.sources.sample import read_candles, read_funding, sample_dir
from alpha_arena.strategies.base import Strategy, StrategyInput
from alpha_arena.strategies.library.signals import side
from alpha_arena.strategies.registry import STRATEGIES, create, names

HOUR_MS = 3_600_000
BARS = 3000

# Each strategy with its defaults, plus variants with other periods and long-only.
CASES: list[tuple[str, dict[str, str]]] = [(name, {}) for name in names()] + [
    ("ema_trend", {"fast": "5", "slow": "50", "allow_short": "false"}),
    ("bollinger_range", {"period": "10", "stddev": "1.5"}),
    ("funding_rate_arbitrage", {"entry_rate": "0.0003", "exit_rate": "0.00015"}),
    ("breakout", {"period": "55"}),
    ("momentum", {"period": "6", "threshold": "1.0"}),
    ("rsi_mean_reversion", {"period": "7", "oversold": "20", "overbought": "80"}),
    ("volatility_breakout", {"period": "30", "multiplier": "2.5", "allow_short": "false"}),
    ("seasonality", {"hours": "22-3", "weekdays": "sat,sun", "direction": "short"}),
    ("martingale", {"hold": "5", "max_doublings": "6"}),
]
CASE_IDS = [f"{name}{'-' + '-'.join(raw.values()) if raw else ''}" for name, raw in CASES]
SHORTABLE = [
    name
    for name, strategy in STRATEGIES.items()
    if "allow_short" in {field.name for field in dataclasses.fields(strategy.params_type)}
]


@cache
def btc() -> StrategyInput:
    """BTC/USDT:USDT hourly from 2024-01-01 (about four months) with, per bar, the newest
    funding rate settled by the bar's close."""
    candles = read_candles(sample_dir() / "binance_usdm_BTCUSDT_1h.csv.gz").slice(0, BARS)
    funding = read_funding(sample_dir() / "binance_usdm_BTCUSDT_funding_8h.csv.gz")
    latest = np.searchsorted(funding.ts, candles.ts + HOUR_MS, side="right") - 1
    rate = np.where(latest >= 0, funding.rate[np.maximum(latest, 0)], np.nan)
    return StrategyInput("BTC/USDT:USDT", "1h", candles, rate)


def truncated(data: StrategyInput, stop: int) -> StrategyInput:
    return StrategyInput(
        data.symbol, data.timeframe, data.candles.slice(0, stop), data.funding_rate[:stop].copy()
    )


def with_funding(rates: list[float]) -> StrategyInput:
    """Real candles for ``len(rates)`` bars with a synthetic funding series."""
    data = btc()
    return StrategyInput(
        data.symbol, data.timeframe, data.candles.slice(0, len(rates)), np.array(rates)
    )


@cache
def full_targets(name: str, raw: tuple[tuple[str, str], ...]) -> FloatArray:
    return create(name, dict(raw)).targets(btc())


def entries(targets: FloatArray, value: float) -> IntArray:
    """Indices of bars where the target becomes ``value``."""
    previous = np.concatenate([[0.0], targets[:-1]])
    return np.flatnonzero((targets == value) & (previous != value))


@pytest.mark.parametrize(("name", "raw"), CASES, ids=CASE_IDS)
def test_targets_have_one_value_per_bar_within_unit_range(name: str, raw: dict[str, str]) -> None:
    targets = create(name, raw).targets(btc())
    assert targets.dtype == np.float64
    assert targets.shape == (BARS,)
    assert np.isfinite(targets).all()
    assert (np.abs(targets) <= 1).all()


@pytest.mark.parametrize(("name", "raw"), CASES, ids=CASE_IDS)
def test_targets_are_zero_during_warmup_and_trade_after(name: str, raw: dict[str, str]) -> None:
    strategy = create(name, raw)
    targets = strategy.targets(btc())
    assert (targets[: strategy.warmup] == 0).all()
    if name != "flat" and strategy.trades_targets:  # a grid trades through resting orders
        assert (targets[strategy.warmup :] != 0).any()


@pytest.mark.parametrize(("name", "raw"), CASES, ids=CASE_IDS)
@settings(max_examples=15, deadline=None)
@given(stop=st.integers(min_value=1, max_value=BARS))
def test_targets_on_series_cut_at_any_bar_equal_full_targets_so_far(
    name: str, raw: dict[str, str], stop: int
) -> None:
    full = full_targets(name, tuple(raw.items()))
    assert_array_equal(create(name, raw).targets(truncated(btc(), stop)), full[:stop])


@pytest.mark.parametrize("name", names())
def test_targets_are_deterministic_and_leave_input_unchanged(name: str) -> None:
    data = truncated(btc(), 1000)
    close, rate = data.candles.close.copy(), data.funding_rate.copy()
    first = create(name, {}).targets(data)
    assert_array_equal(create(name, {}).targets(data), first)
    assert_array_equal(data.candles.close, close)
    assert_array_equal(data.funding_rate, rate)


@pytest.mark.parametrize("name", names())
def test_series_shorter_than_warmup_or_empty_gives_flat_targets(name: str) -> None:
    strategy = create(name, {})
    assert len(strategy.targets(truncated(btc(), 0))) == 0
    short = strategy.targets(truncated(btc(), 5))
    assert len(short) == 5
    if strategy.warmup > 5:
        assert (short == 0).all()


@pytest.mark.parametrize(("name", "raw"), CASES, ids=CASE_IDS)
def test_explain_names_the_strategy_and_the_resulting_side(name: str, raw: dict[str, str]) -> None:
    strategy = create(name, raw)
    targets = strategy.targets(btc())
    changes = np.flatnonzero(np.diff(targets)) + 1
    for index in [0, strategy.warmup, *changes[:5].tolist(), BARS - 1]:
        text = strategy.explain(btc(), index, targets)
        assert text.startswith(f"{name}: ")
        assert text.endswith(f"-> {side(targets[index])}")
        assert "\n" not in text


@pytest.mark.parametrize("name", SHORTABLE)
def test_long_only_never_shorts_and_otherwise_matches_long_short(name: str) -> None:
    long_short = create(name, {}).targets(btc())
    long_only = create(name, {"allow_short": "false"}).targets(btc())
    assert (long_short < 0).any()
    assert (long_only >= 0).all()
    assert_array_equal(long_only, np.maximum(long_short, 0.0))


def test_ema_trend_sign_follows_fast_minus_slow_ema() -> None:
    strategy = create("ema_trend", {})
    targets = strategy.targets(btc())
    close = btc().candles.close
    expected = np.sign(ema(close, 12) - ema(close, 26))
    assert_array_equal(targets[25:], expected[25:])
    assert set(np.unique(targets[25:])) == {-1.0, 1.0}


def test_ema_trend_explains_with_both_averages() -> None:
    strategy = create("ema_trend", {})
    targets = strategy.targets(btc())
    close = btc().candles.close
    fast, slow = ema(close, 12)[100], ema(close, 26)[100]
    relation = "above" if fast > slow else "below"
    assert strategy.explain(btc(), 100, targets) == (
        f"ema_trend: EMA12 {fast:.6g} {relation} EMA26 {slow:.6g} -> {side(targets[100])}"
    )


def test_bollinger_range_enters_outside_the_bands_and_exits_at_the_middle() -> None:
    targets = create("bollinger_range", {}).targets(btc())
    close = btc().candles.close
    bands = bollinger(close, 20, 2.0)
    previous = np.concatenate([[0.0], targets[:-1]])
    assert len(entries(targets, 1.0)) > 10
    assert len(entries(targets, -1.0)) > 10
    # One bar's transition: a long exits at close >= middle, a short at close <= middle; a
    # position is then opened exactly where nothing is held and the close is beyond a band.
    exited = ((previous > 0) & (close >= bands.middle)) | ((previous < 0) & (close <= bands.middle))
    free = (previous == 0) | exited
    long_entry, short_entry = free & (close < bands.lower), free & (close > bands.upper)
    assert_array_equal(targets == 1, ((previous > 0) & ~exited) | long_entry)
    assert_array_equal(targets == -1, ((previous < 0) & ~exited) | short_entry)
    # Every long held over from the previous bar is below the middle band.
    held_long = (previous > 0) & (targets > 0)
    assert (close[held_long] < bands.middle[held_long]).all()


def test_rsi_mean_reversion_enters_at_extremes_and_exits_at_exit_level() -> None:
    targets = create("rsi_mean_reversion", {}).targets(btc())
    strength = rsi(btc().candles.close, 14)
    long_entries, short_entries = entries(targets, 1.0), entries(targets, -1.0)
    assert len(long_entries) > 3
    assert len(short_entries) > 3
    assert (strength[long_entries] < 30).all()
    assert (strength[short_entries] > 70).all()
    previous = np.concatenate([[0.0], targets[:-1]])
    long_exits = np.flatnonzero((previous > 0) & (targets <= 0))
    assert (strength[long_exits] >= 50).all()
    held_long = (previous > 0) & (targets > 0)
    assert (strength[held_long] < 50).all()
    # Flat and oversold always means long on that bar.
    assert (targets[(previous == 0) & (strength < 30)] == 1).all()


def test_funding_rate_arbitrage_takes_receiving_side_with_hysteresis() -> None:
    rates = [np.nan, 0.0001, 0.0006, 0.0003, 0.00011, 0.0001, 0.0, -0.0005, -0.0002]
    rates += [-0.00005, 0.0005, -0.0009, 0.0004, -0.0001, 0.0002]
    expected = [0, 0, -1, -1, -1, 0, 0, 1, 1, 0, -1, 1, 0, 0, 0]
    targets = create("funding_rate_arbitrage", {}).targets(with_funding(rates))
    assert_array_equal(targets, np.array(expected, dtype=np.float64))


def test_funding_rate_arbitrage_is_short_whenever_real_funding_reaches_entry() -> None:
    targets = create("funding_rate_arbitrage", {}).targets(btc())
    rate = btc().funding_rate
    extreme = rate >= 0.0005
    assert extreme.sum() > 100  # March 2024: longs paid up to 0.07% per 8h
    assert (targets[extreme] == -1).all()
    assert (targets[rate <= 0.0001] == 0).all()
    assert (targets >= -1).all()
    assert (targets <= 0).all()  # BTC funding never fell to -0.05% in these months


def test_funding_rate_arbitrage_explains_the_rate() -> None:
    rates = [0.0006, 0.0003, 0.00005]
    data = with_funding(rates)
    strategy = create("funding_rate_arbitrage", {})
    targets = strategy.targets(data)
    assert strategy.explain(data, 0, targets) == (
        "funding_rate_arbitrage: funding rate +0.0600% >= +0.0500%, longs pay shorts -> short"
    )
    assert "still above +0.0100%, hold -> short" in strategy.explain(data, 1, targets)
    assert strategy.explain(data, 2, targets).endswith("-> flat")


def test_breakout_goes_long_exactly_when_close_clears_prior_channel_high() -> None:
    period = 20
    targets = create("breakout", {"period": str(period)}).targets(btc())
    candles = btc().candles
    # Highest high / lowest low of the `period` bars before bar i, for i = period .. end.
    prior_high = sliding_window_view(candles.high, period).max(axis=1)[:-1]
    prior_low = sliding_window_view(candles.low, period).min(axis=1)[:-1]
    close = candles.close[period:]
    after = targets[period:]
    up, down = close > prior_high, close < prior_low
    assert up.sum() > 50
    assert down.sum() > 50
    assert (after[up] == 1).all()
    assert (after[down] == -1).all()
    # Between breakouts the position is held.
    held = ~up & ~down
    assert_array_equal(after[1:][held[1:]], after[:-1][held[1:]])
    assert (close[entries(after, 1.0)] > prior_high[entries(after, 1.0)]).all()


def test_momentum_follows_rate_of_change_outside_threshold() -> None:
    targets = create("momentum", {"period": "24", "threshold": "1.5"}).targets(btc())
    change = roc(btc().candles.close, 24)[24:]
    after = targets[24:]
    assert_array_equal(after[change > 1.5], 1.0)
    assert_array_equal(after[change < -1.5], -1.0)
    inside = np.abs(change) <= 1.5
    assert inside.sum() > 100
    assert (after[inside] == 0).all()


def test_buy_and_hold_is_long_on_every_bar() -> None:
    assert_array_equal(create("buy_and_hold", {}).targets(btc()), np.ones(BARS))


def test_flat_is_flat_on_every_bar() -> None:
    assert_array_equal(create("flat", {}).targets(btc()), np.zeros(BARS))


def test_strategy_rejects_another_strategys_params() -> None:
    ema_params = create("ema_trend", {}).params
    with pytest.raises(TypeError, match="flat needs NoParams"):
        STRATEGIES["flat"](ema_params)
    assert isinstance(create("flat", {}), Strategy)
