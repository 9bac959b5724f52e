"""The sweep store on every database: a sweep reads back exactly as stored (every float to the
bit, the grid in its order, the points by rank), the listing is newest first with each
sweep's best point, and the best backtest is linked until that backtest is deleted."""

from __future__ import annotations

import dataclasses
import math
import sys

import pytest

from alpha_arena.core.errors import NotFoundError
from alpha_arena.services.context import AppContext
from alpha_arena.storage.backtest_store import BacktestRecord, BacktestStore
from alpha_arena.storage.sweep_store import SweepRecord, SweepStore

BTC = "BTC/USDT:USDT"
T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z
#: Floats whose text form is easy to get wrong: not exact in decimal, the smallest normal and
#: subnormal, a negative zero, the largest.
AWKWARD = [0.1 + 0.2, 1 / 3, sys.float_info.min, 5e-324, -0.0, sys.float_info.max, 2.0**53 + 2]


def metrics(value: float, trades: int) -> dict[str, float | int | None]:
    return {"sharpe": value, "total_return": value / 7, "trade_count": trades, "calmar": None}


def sweep(strategy: str = "ema_trend", points: int = 3) -> SweepRecord:
    return SweepRecord(
        strategy=strategy, symbols=[BTC], timeframe="1h", exchange="binance", ts_start=T0,
        ts_end=T0 + 90 * 86_400_000, config={"capital": 10_000.0, "params": {"allow_short": "1"}},
        grid={"slow": ["40", "20"], "fast": ["5", "10"]}, rank_by="sharpe", combinations=4,
        skipped=[{"params": {"fast": "10", "slow": "10"}, "reason": "fast must be below slow"}],
        mode="workers", workers=2, duration_ms=1_234,
        points=[({"fast": str(rank), "slow": "40"}, metrics(AWKWARD[rank], rank))
                for rank in range(points)],
    )  # fmt: skip


def bits(values: dict[str, object]) -> dict[str, object]:
    """Floats by their exact bits (-0.0 differs from 0.0); everything else as it is."""
    return {k: v.hex() if isinstance(v, float) else v for k, v in values.items()}


def test_a_sweep_reads_back_exactly_as_stored(context: AppContext) -> None:
    store = SweepStore(context.engine)
    record = sweep(points=len(AWKWARD))
    sweep_id = store.save(record, T0)

    stored = store.get(sweep_id)
    assert (stored.strategy, stored.symbols, stored.timeframe, stored.exchange) == (
        "ema_trend", [BTC], "1h", "binance",
    )  # fmt: skip
    assert (stored.ts_start, stored.ts_end, stored.ts_created) == (T0, record.ts_end, T0)
    assert list(stored.grid.items()) == [("slow", ["40", "20"]), ("fast", ["5", "10"])]
    assert stored.config == record.config and stored.skipped == record.skipped
    assert (stored.rank_by, stored.combinations, stored.mode, stored.workers) == (
        "sharpe", 4, "workers", 2,
    )  # fmt: skip
    assert (stored.duration_ms, stored.best_backtest_id) == (1_234, None)

    points = store.points(sweep_id)
    assert [point.rank for point in points] == list(range(1, len(AWKWARD) + 1))
    assert [point.params for point in points] == [params for params, _ in record.points]
    assert [bits(point.metrics) for point in points] == [
        bits(dict(values)) for _, values in record.points
    ]
    assert math.copysign(1.0, points[4].metrics["sharpe"]) == -1.0  # the sign of -0.0 kept
    assert [point.rank for point in store.points(sweep_id, limit=2)] == [1, 2]
    assert stored.best is not None and stored.best.params == {"fast": "0", "slow": "40"}


def test_the_listing_is_newest_first_with_each_best_point(context: AppContext) -> None:
    store = SweepStore(context.engine)
    first = store.save(sweep("ema_trend"), T0)
    second = store.save(sweep("breakout", points=1), T0 + 1)
    listed = store.recent()
    assert [item.id for item in listed] == [second, first]
    assert [item.strategy for item in listed] == ["breakout", "ema_trend"]
    assert all(item.best is not None and item.best.rank == 1 for item in listed)
    assert [item.id for item in store.recent(limit=1)] == [second]


def test_a_sweep_without_points_lists_without_a_best_point(context: AppContext) -> None:
    store = SweepStore(context.engine)
    sweep_id = store.save(sweep(points=0), T0)
    assert store.get(sweep_id).best is None
    assert store.points(sweep_id) == []


def test_the_best_backtest_is_linked_until_it_is_deleted(context: AppContext) -> None:
    backtests = BacktestStore(context.engine)
    run_id = backtests.save(
        BacktestRecord(
            strategy="ema_trend", symbols=[BTC], timeframe="1h", ts_start=T0, ts_end=T0 + 1,
            bars=0, config={}, metrics={}, equity_ts=[], equity=[], cash=[], exposure=[],
            trades=[], orders={}, order_events=[], fees_by_order={},
        ),
        T0,
    )  # fmt: skip
    store = SweepStore(context.engine)
    sweep_id = store.save(sweep(), T0)
    store.set_best_backtest(sweep_id, run_id)
    assert store.get(sweep_id).best_backtest_id == run_id
    backtests.delete(run_id)
    assert store.get(sweep_id).best_backtest_id is None


def test_an_unknown_sweep_is_not_found_with_a_pointer_to_the_listing(
    context: AppContext,
) -> None:
    store = SweepStore(context.engine)
    with pytest.raises(NotFoundError, match=r"no sweep 999; 0 stored \(see `arena backtest"):
        store.get(999)
    with pytest.raises(NotFoundError, match="no sweep 999"):
        store.points(999)


def test_the_overfitting_result_reads_back_exactly_and_is_null_when_not_measured(
    context: AppContext,
) -> None:
    store = SweepStore(context.engine)
    measured = {"pbo": 1 / 3, "splits": 12_870, "median_logit": -(0.1 + 0.2), "blocks": 16}
    with_it = store.save(dataclasses.replace(sweep(), overfitting=measured), T0)
    without = store.save(sweep(), T0)
    stored = store.get(with_it).overfitting
    assert stored is not None and bits(stored) == bits(measured)
    assert store.get(without).overfitting is None
    assert [item.overfitting for item in store.recent()] == [None, stored]
