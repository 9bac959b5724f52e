"""The decision context and its prompt hold nothing stamped after the decision time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alpha_arena.agents.context import account_context, build_context
from alpha_arena.agents.llm.prompts import default_template, render
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.marketdata.service import DataService
from alpha_arena.marketdata.sources.sample import read_candles, read_funding
from alpha_arena.services.context import AppContext
from alpha_arena.services.sample import load_sample
from tests.support.sample import SAMPLE, sample_subset

FILES = [
    "binance_usdm_BTCUSDT_1h.csv.gz",
    "binance_usdm_BTCUSDT_funding_8h.csv.gz",
    "binance_usdm_ETHUSDT_1h.csv.gz",
]
BTC = read_candles(SAMPLE / "binance_usdm_BTCUSDT_1h.csv.gz")
BTC_FUNDING = read_funding(SAMPLE / "binance_usdm_BTCUSDT_funding_8h.csv.gz")
SYMBOLS = ["BTC/USDT:USDT", "ETH/USDT:USDT"]
ACCOUNT = account_context(10_000.0, 10_000.0, 10_000.0, {}, {}, 0.0005)


def test_a_context_for_t_contains_no_data_stamped_after_t(
    context: AppContext, tmp_path: Path
) -> None:
    load_sample(context, sample_subset(tmp_path / "sample", FILES))
    data = DataService(context.market, "binance")

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(parse_ts("2024-03-01"), parse_ts("2026-04-01")))
    def check(ts: int) -> None:
        decision = build_context(data, SYMBOLS, ts, ACCOUNT)
        btc = decision.coins[0]
        newest = int(np.searchsorted(BTC.ts + HOUR_MS, ts, side="right")) - 1
        assert btc.ts_last_close <= ts
        assert btc.ts_last_close == BTC.ts[newest] + HOUR_MS  # the bar that closed last
        assert btc.price == BTC.close[newest]
        assert btc.closes == tuple(round(float(v), 6) for v in BTC.close[newest - 9 : newest + 1])
        settled = int(np.searchsorted(BTC_FUNDING.ts, ts, side="right")) - 1
        assert btc.funding_rate == BTC_FUNDING.rate[settled]
        assert decision.coins[1].funding_rate is None  # ETH funding was not loaded
        prompt = render(default_template(), decision).user
        assert f"current price: {btc.price}, funding rate: {btc.funding_rate:.6f}" in prompt
        assert "closes: " + ", ".join(map(str, btc.closes)) in prompt

    check()


def test_no_coin_is_shown_before_its_first_bar_has_closed(
    context: AppContext, tmp_path: Path
) -> None:
    load_sample(context, sample_subset(tmp_path / "sample", FILES))
    data = DataService(context.market, "binance")
    first_close = int(BTC.ts[0]) + HOUR_MS
    assert build_context(data, SYMBOLS, first_close - 1, ACCOUNT).coins == ()
    assert [c.symbol for c in build_context(data, SYMBOLS, first_close, ACCOUNT).coins] == SYMBOLS
