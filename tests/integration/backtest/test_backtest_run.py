"""run_backtest on the stored sample, on both databases: deterministic, its trades and metrics
agree with its ledger, buy-and-hold tracks the market, and bad input is a one-line error."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from alpha_arena.backtest.run import BacktestConfig, BacktestResult, run_backtest
from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import InvalidInputError, NotFoundError
from alpha_arena.core.time import parse_ts
from alpha_arena.domain.orders import TRANSITIONS, OrderStatus
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import sample_subset

PERP = "BTC/USDT:USDT"
YEAR_2024 = (parse_ts("2024-01-01"), parse_ts("2025-01-01"))


@pytest.fixture(scope="module", params=BACKENDS)
def market(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppContext]:
    """A database per backend holding the BTC perpetual 1h bars and funding of the sample."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        folder = sample_subset(
            tmp_path_factory.mktemp("sample"),
            ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"],
        )
        context = open_context(settings_for(url), clock=SimClock(parse_ts("2026-06-01")))
        try:
            load_sample(context, folder)
            yield context
        finally:
            context.close()


def backtest(context: AppContext, strategy: str = "ema_trend", **fields: Any) -> BacktestResult:
    config = BacktestConfig(strategy, (PERP,), "1h", *YEAR_2024, slippage_bps=2.0)
    instruments = {item.symbol: item for item in context.market.instruments("binance")}
    return run_backtest(
        DataService(context.market, "binance"), instruments, dataclasses.replace(config, **fields)
    )


@pytest.fixture(scope="module")
def ema_2024(market: AppContext) -> BacktestResult:
    return backtest(market)


def test_same_config_gives_identical_ledgers(market: AppContext, ema_2024: BacktestResult) -> None:
    again = backtest(market)

    first, second = ema_2024.ledger, again.ledger
    assert len(first.fills) > 100
    assert second.fills == first.fills
    assert second.order_events == first.order_events
    assert second.orders == first.orders
    assert (second.equity_ts, second.equity, second.cash) == (
        first.equity_ts,
        first.equity,
        first.cash,
    )
    assert second.funding == first.funding
    assert again.trades == ema_2024.trades
    assert again.metrics == ema_2024.metrics


def test_equity_curve_has_one_point_per_bar_of_the_year(ema_2024: BacktestResult) -> None:
    ledger = ema_2024.ledger
    assert ema_2024.bars == 366 * 24  # 2024 is a leap year; the perpetual file has no gaps
    assert len(ledger.equity) == len(ledger.equity_ts) == ema_2024.bars
    assert ledger.equity_ts[0] == YEAR_2024[0] + 3_600_000  # the first bar's close
    assert ledger.equity_ts[-1] == YEAR_2024[1]
    assert ema_2024.metrics.end_equity == ledger.equity[-1]


def test_trades_net_pnl_adds_up_to_the_equity_change(ema_2024: BacktestResult) -> None:
    trades = ema_2024.trades
    assert trades[-1].exit_reason == "open_at_end"  # ema_trend is never flat for long
    total = sum(trade.net_pnl for trade in trades)

    assert total == pytest.approx(ema_2024.ledger.equity[-1] - 10_000.0, abs=1e-6)
    assert sum(t.fees for t in trades) == pytest.approx(ema_2024.metrics.fees_paid, abs=1e-9)
    assert sum(t.funding for t in trades) == pytest.approx(
        sum(amount for _, _, amount in ema_2024.ledger.funding), abs=1e-9
    )


def test_metrics_fees_and_funding_are_the_ledger_sums(ema_2024: BacktestResult) -> None:
    ledger, metrics = ema_2024.ledger, ema_2024.metrics

    assert metrics.fees_paid == pytest.approx(sum(fill.fee for fill in ledger.fills), abs=1e-9)
    assert metrics.fees_paid > 0
    assert metrics.funding_paid == pytest.approx(-sum(a for _, _, a in ledger.funding), abs=1e-9)
    assert metrics.trade_count == len(ema_2024.trades)


def test_every_recorded_order_event_is_a_row_of_the_table(ema_2024: BacktestResult) -> None:
    status: dict[str, OrderStatus] = {}
    for event in ema_2024.ledger.order_events:
        assert event.status_from is status.get(event.client_order_id, OrderStatus.NEW)
        assert TRANSITIONS[(event.status_from, event.action)] is event.status_to
        status[event.client_order_id] = event.status_to
    assert set(status) == set(ema_2024.ledger.orders)


def test_buy_and_hold_returns_the_market_less_costs(market: AppContext) -> None:
    result = backtest(market, "buy_and_hold")
    metrics, ledger = result.metrics, result.ledger
    [entry] = ledger.fills
    data = DataService(market.market, "binance")
    bars = data.candles(PERP, "1h", YEAR_2024[0], YEAR_2024[1] - 3_600_000)
    first_close, last_close = float(bars.close[0]), float(bars.close[-1])
    assert metrics.buy_and_hold_return == pytest.approx(last_close / first_close - 1)
    benchmark = last_close / first_close - 1  # +120% in 2024
    costs = (metrics.fees_paid + metrics.funding_paid) / 10_000.0
    # Entered at the second bar's open plus 2 bps, decided on the first bar's close.
    assert entry.price == pytest.approx(float(bars.open[1]) * 1.0002)

    # Exactly: equity = capital + quantity x (last close - entry) - fees - funding paid.
    invested = entry.quantity * entry.price / 10_000.0
    assert metrics.total_return == pytest.approx(
        invested * (last_close / entry.price - 1) - costs, rel=1e-9
    )
    # So it trails "benchmark - costs" only by the cash left uninvested (the agent keeps 1%
    # in reserve, and the 0.001 BTC step floors the rest: at most one step more) times the
    # benchmark, and by the gap between the first close and the entry price.
    assert 0.98 < invested <= 0.99
    tolerance = (1 - invested) * abs(benchmark) + invested * (1 + benchmark) * abs(
        first_close / entry.price - 1
    )
    assert tolerance < 0.02
    assert abs(metrics.total_return - (benchmark - costs)) <= tolerance + 1e-9
    assert metrics.funding_paid > 0  # longs paid funding through 2024's positive rates


def test_flat_strategy_ends_where_it_started(market: AppContext) -> None:
    result = backtest(market, "flat")

    assert result.ledger.fills == [] and result.trades == []
    assert set(result.ledger.equity) == {10_000.0}
    assert result.metrics.total_return == 0.0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ts_start": YEAR_2024[1], "ts_end": YEAR_2024[0]}, "is not before end"),
        ({"ts_end": YEAR_2024[0]}, "is not before end"),
        ({"capital": 0.0}, "capital 0 must be positive"),
        ({"capital": -5.0}, "capital -5 must be positive"),
        ({"leverage": 0.0}, "leverage 0 must be in (0, 125]"),
        ({"leverage": 1000.0}, "leverage 1000 must be in (0, 125]"),
        ({"symbols": ()}, "no symbol given"),
        ({"timeframe": "7h"}, "7h"),
        ({"stop_loss": 1.5}, "stop_loss 1.5 must be a fraction"),
        ({"slippage_bps": -1.0}, "slippage -1 bps"),
    ],
    ids=["start-after-end", "empty-window", "zero-capital", "negative-capital", "leverage-0",
         "leverage-1000", "no-symbol", "bad-timeframe", "stop-above-1", "negative-slippage"],
)  # fmt: skip
def test_bad_config_is_rejected_with_a_one_line_message(
    fields: dict[str, Any], message: str
) -> None:
    values = {"strategy": "ema_trend", "symbols": (PERP,), "timeframe": "1h",
              "ts_start": YEAR_2024[0], "ts_end": YEAR_2024[1], **fields}  # fmt: skip

    with pytest.raises(InvalidInputError) as raised:
        BacktestConfig(**values)

    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"strategy": "nope"}, "unknown strategy 'nope'; accepted: ema_trend"),
        ({"params": (("fast", "26"), ("slow", "12"))}, "fast (26) must be less than slow (12)"),
        ({"params": (("fast", "12"), ("slow", "12"))}, "fast (12) must be less than slow (12)"),
        ({"params": (("fsat", "3"),)}, "ema_trend has no parameter 'fsat'"),
    ],
    ids=["unknown-strategy", "fast-above-slow", "fast-equals-slow", "unknown-param"],
)
def test_bad_strategy_is_rejected_before_running(
    market: AppContext, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        backtest(market, **fields)

    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"ts_start": parse_ts("2023-01-01"), "ts_end": parse_ts("2023-02-01")},
            "no 1h candles for BTC/USDT:USDT between 2023-01-01T00:00:00Z",
        ),
        (
            {"ts_start": parse_ts("2030-01-01"), "ts_end": parse_ts("2030-02-01")},
            "no 1h candles for BTC/USDT:USDT between 2030-01-01T00:00:00Z",
        ),
        ({"symbols": ("ETH/USDT:USDT",)}, "ETH/USDT:USDT"),
    ],
    ids=["before-the-data", "after-the-data", "symbol-not-loaded"],
)
def test_window_without_data_raises_not_found(
    market: AppContext, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(NotFoundError) as raised:
        backtest(market, **fields)

    assert message in str(raised.value)
