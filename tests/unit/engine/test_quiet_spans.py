"""Parity: recording quiet spans in one vectorized pass gives exactly the ledger that stepping
every bar gives, for every strategy, with stops, gaps, funding and several symbols."""

from __future__ import annotations

import pytest

from alpha_arena.agents.strategy_agent import Sizing, StrategyAgent
from alpha_arena.backtest.run import (
    BacktestConfig,
    BacktestResult,
    SymbolData,
    build_strategy,
    simulate,
)
from alpha_arena.core.clock import SimClock
from alpha_arena.core.time import parse_ts
from alpha_arena.domain.market import Candles, FundingRates
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.sources.sample import read_candles, read_funding, sample_instruments
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.strategies import registry
from alpha_arena.strategies.base import StrategyInput
from tests.support.sample import SAMPLE

INSTRUMENTS = {item.symbol: item for item in sample_instruments()}


def market(symbols: tuple[str, ...]) -> dict[str, SymbolData]:
    data = {}
    for symbol in symbols:
        base = symbol.split("/")[0]
        if symbol.endswith(":USDT"):
            candles = read_candles(SAMPLE / f"binance_usdm_{base}USDT_1h.csv.gz")
            funding = read_funding(SAMPLE / f"binance_usdm_{base}USDT_funding_8h.csv.gz")
        else:
            candles = read_candles(SAMPLE / f"binance_spot_{base}USDT_1h.csv.gz")
            funding = FundingRates(candles.ts[:0], candles.open[:0])
        data[symbol] = SymbolData(candles, funding)
    return data


def both(config: BacktestConfig, data: dict[str, SymbolData]) -> tuple[BacktestResult, ...]:
    return tuple(
        simulate(data, INSTRUMENTS, config, build_strategy(config), fast_forward=fast)
        for fast in (True, False)
    )


def assert_same_ledger(fast: BacktestResult, stepped: BacktestResult) -> None:
    a, b = fast.ledger, stepped.ledger
    assert a.equity_ts == b.equity_ts
    assert a.equity == b.equity  # exactly: the same float operations in the same order
    assert a.cash == b.cash
    assert a.exposure == b.exposure
    assert a.fills == b.fills
    assert a.order_events == b.order_events
    assert a.funding == b.funding
    assert a.decisions == b.decisions
    assert a.risk_events == b.risk_events
    assert fast.metrics == stepped.metrics


@pytest.mark.parametrize("strategy", registry.names())
def test_every_strategy_on_spot_data_with_outage_gaps(strategy: str) -> None:
    # 2019: the spot series has real exchange outages (e.g. 2019-05-15, 2019-08-15).
    config = BacktestConfig(
        strategy, ("BTC/USDT",), "1h", parse_ts("2019-04-01"), parse_ts("2019-10-01"),
        fee_rate=0.0005, slippage_bps=2,
    )  # fmt: skip
    assert_same_ledger(*both(config, market(("BTC/USDT",))))


@pytest.mark.parametrize("leverage", [1.0, 20.0])
def test_perpetuals_with_funding_stops_and_liquidations(leverage: float) -> None:
    config = BacktestConfig(
        "ema_trend", ("BTC/USDT:USDT", "ETH/USDT:USDT"), "1h", parse_ts("2024-01-01"),
        parse_ts("2025-06-01"), fee_rate=0.0005, slippage_bps=2, leverage=leverage,
        stop_loss=0.03, params=(("fast", "50"), ("slow", "200")),
    )  # fmt: skip
    fast, stepped = both(config, market(config.symbols))
    assert_same_ledger(fast, stepped)
    assert fast.ledger.funding  # funding did settle along the way


class CountingEngine(TradingEngine):
    """The real engine, counting the steps it runs one by one."""

    stepped = 0

    def step(self, step: int) -> None:
        self.stepped += 1
        super().step(step)


def test_a_long_hold_is_recorded_in_spans_not_stepped_bar_by_bar() -> None:
    data = market(("BTC/USDT",))
    candles = data["BTC/USDT"].candles
    keep = (candles.ts >= parse_ts("2021-01-01")) & (candles.ts < parse_ts("2022-01-01"))
    year = Candles(*(c[keep] for c in (candles.ts, candles.open, candles.high, candles.low,
                                         candles.close, candles.volume)))  # fmt: skip
    inputs = {"BTC/USDT": StrategyInput("BTC/USDT", "1h", year, year.close * float("nan"))}
    engine = CountingEngine(
        ReplayFeed("1h", {"BTC/USDT": year}, {}),
        [(
            StrategyAgent("hold", registry.create("buy_and_hold"), inputs, Sizing()),
            PaperVenue(PaperVenueConfig(10_000.0), INSTRUMENTS, NextBarOpen()),
        )],
        INSTRUMENTS, RiskLimits(), SimClock(int(year.ts[0])),
    )  # fmt: skip
    ledger = engine.run()["hold"]
    assert len(ledger.equity) == len(year)
    assert engine.stepped < 10  # the entry and its fill; the rest of the year is one span
