"""DerivativesStore on real databases: open interest history and long/short ratios kept
insert-or-keep per (instrument, period, time), the as-of reading with its change, the next
funding time, and a scan that records bad values instead of failing on them."""

from __future__ import annotations

import numpy as np
import pytest

from alpha_arena.core.errors import DataIntegrityError, NotFoundError
from alpha_arena.core.time import DAY_MS, HOUR_MS
from alpha_arena.domain.market import FundingRates, LongShortRatio, OpenInterest
from alpha_arena.marketdata.sources.sample import sample_instruments
from alpha_arena.services import integrity
from alpha_arena.services.context import AppContext
from alpha_arena.storage.derivatives_store import DerivativesStore

EXCHANGE, PERP = "binance", "BTC/USDT:USDT"
T0 = 1_704_067_200_000  # 2024-01-01T00:00Z


def reading(hour: int, amount: float | None, value: float | None = None) -> OpenInterest:
    return OpenInterest(PERP, T0 + hour * HOUR_MS, amount, value)


@pytest.fixture
def store(context: AppContext) -> DerivativesStore:
    context.market.upsert_instruments(sample_instruments(), T0)
    return context.derivatives


def test_readings_round_trip_and_a_stored_one_is_kept_over_a_later_batch(
    store: DerivativesStore,
) -> None:
    first = [reading(0, 80_000.5, 3.36e9), reading(1, 80_100.0, None), reading(2, None, 3.4e9)]
    assert store.write_open_interest_history(EXCHANGE, PERP, "1h", first) == 3
    changed = [reading(1, 1.0, 1.0), reading(3, 80_300.25, 3.41e9)]
    assert store.write_open_interest_history(EXCHANGE, PERP, "1h", changed) == 1
    assert store.write_open_interest_history(EXCHANGE, PERP, "1h", first) == 0

    stored = store.read_open_interest_history(EXCHANGE, PERP, "1h")
    assert stored == [*first, changed[1]]
    assert store.read_open_interest_history(EXCHANGE, PERP, "1h", ts_from=first[1].ts,
                                            ts_to=first[2].ts) == first[1:]  # fmt: skip
    assert store.read_open_interest_history(EXCHANGE, PERP, "1h", last=2) == [first[2], changed[1]]
    assert store.last_open_interest_ts(EXCHANGE, PERP, "1h") == changed[1].ts
    assert store.last_open_interest_ts(EXCHANGE, PERP, "5m") is None


def test_periods_are_separate_series(store: DerivativesStore) -> None:
    store.write_open_interest_history(EXCHANGE, PERP, "1h", [reading(0, 10.0)])
    store.write_open_interest_history(EXCHANGE, PERP, "5m", [reading(0, 11.0)])

    assert store.read_open_interest_history(EXCHANGE, PERP, "1h")[0].amount == 10.0
    assert store.read_open_interest_history(EXCHANGE, PERP, "5m")[0].amount == 11.0
    assert store.periods(EXCHANGE, PERP) == ["5m", "1h"]


def test_ratios_round_trip_with_and_without_shares(store: DerivativesStore) -> None:
    ratios = [
        LongShortRatio(PERP, T0, 0.8868, 0.47, 0.53),
        LongShortRatio(PERP, T0 + HOUR_MS, 1.25),  # OKX: the ratio alone
    ]
    assert store.write_long_short_ratios(EXCHANGE, PERP, "1h", ratios) == 2
    assert store.write_long_short_ratios(EXCHANGE, PERP, "1h", ratios) == 0
    assert store.read_long_short_ratios(EXCHANGE, PERP, "1h") == ratios
    assert store.last_long_short_ts(EXCHANGE, PERP, "1h") == T0 + HOUR_MS


def test_batches_the_databases_would_store_differently_are_refused_whole(
    store: DerivativesStore,
) -> None:
    with pytest.raises(DataIntegrityError, match="repeats a timestamp"):
        store.write_open_interest_history(EXCHANGE, PERP, "1h", [reading(0, 1.0), reading(0, 2.0)])
    with pytest.raises(DataIntegrityError, match="non-finite"):
        store.write_long_short_ratios(
            EXCHANGE,
            PERP,
            "1h",
            [LongShortRatio(PERP, T0, 1.0), LongShortRatio(PERP, T0 + 1, float("nan"))],
        )
    with pytest.raises(NotFoundError, match="no instrument"):
        store.write_open_interest_history(EXCHANGE, "NOPE/USDT:USDT", "1h", [reading(0, 1.0)])
    assert store.series() == []


def test_the_reading_at_a_time_never_shows_a_later_one_and_computes_the_change(
    store: DerivativesStore,
) -> None:
    # Hourly readings 100, 101, ..., 130 from T0: the reading at hour 30 against hour 6.
    store.write_open_interest_history(
        EXCHANGE, PERP, "1h", [reading(h, 100.0 + h, (100.0 + h) * 2) for h in range(31)]
    )

    assert store.open_interest_reading(EXCHANGE, PERP, T0 - 1, DAY_MS) is None
    early = store.open_interest_reading(EXCHANGE, PERP, T0 + 5 * HOUR_MS + 59 * 60_000, DAY_MS)
    assert early is not None
    assert (early.ts, early.amount, early.change_pct) == (T0 + 5 * HOUR_MS, 105.0, None)
    late = store.open_interest_reading(EXCHANGE, PERP, T0 + 30 * HOUR_MS, DAY_MS)
    assert late is not None
    assert (late.ts, late.amount, late.value) == (T0 + 30 * HOUR_MS, 130.0, 260.0)
    assert late.change_pct == pytest.approx((130.0 / 106.0 - 1) * 100)  # +22.6415...%


def test_a_gap_at_the_window_start_gives_no_change(store: DerivativesStore) -> None:
    hours = [h for h in range(31) if h not in (5, 6)]  # nothing stored 24h before hour 30
    store.write_open_interest_history(EXCHANGE, PERP, "1h", [reading(h, 100.0) for h in hours])

    found = store.open_interest_reading(EXCHANGE, PERP, T0 + 30 * HOUR_MS, DAY_MS)
    assert found is not None and found.change_pct is None


def test_the_next_funding_time_is_the_following_settlement_or_the_announced_one(
    context: AppContext, store: DerivativesStore
) -> None:
    settled = np.array([T0, T0 + 8 * HOUR_MS, T0 + 16 * HOUR_MS], dtype=np.int64)
    context.market.write_funding(EXCHANGE, PERP, FundingRates(settled, np.full(3, 1e-4)))

    assert store.fill_next_funding(EXCHANGE, PERP) == 2
    assert store.next_funding(EXCHANGE, PERP, T0 + 9 * HOUR_MS) == (
        T0 + 8 * HOUR_MS,
        T0 + 16 * HOUR_MS,
    )
    assert store.next_funding(EXCHANGE, PERP, T0 + 17 * HOUR_MS) == (T0 + 16 * HOUR_MS, None)
    assert store.fill_next_funding(EXCHANGE, PERP, announced=T0 + 24 * HOUR_MS) == 1
    assert store.next_funding(EXCHANGE, PERP, T0 + 17 * HOUR_MS) == (
        T0 + 16 * HOUR_MS,
        T0 + 24 * HOUR_MS,
    )
    assert store.fill_next_funding(EXCHANGE, PERP, announced=T0 + 16 * HOUR_MS) == 0
    assert store.next_funding(EXCHANGE, PERP, T0 - 1) is None
    # What the funding reads give is unchanged by the new column.
    assert context.market.read_funding(EXCHANGE, PERP).ts.tolist() == settled.tolist()


def test_a_scan_records_bad_values_and_gaps_instead_of_failing(
    context: AppContext, store: DerivativesStore
) -> None:
    store.write_open_interest_history(
        EXCHANGE, PERP, "1h",
        [reading(0, 100.0), reading(1, -5.0), reading(2, 100.0), reading(3, 5_000.0),
         reading(6, 5_000.0)],
    )  # fmt: skip
    store.write_long_short_ratios(
        EXCHANGE, PERP, "1h",
        [LongShortRatio(PERP, T0, 0.0), LongShortRatio(PERP, T0 + HOUR_MS, 1.0, 0.7, 0.7),
         LongShortRatio(PERP, T0 + 2 * HOUR_MS, 1.0, 0.5, 0.5)],
    )  # fmt: skip

    scans = {scan.dataset: scan for scan in integrity.scan(context, EXCHANGE, [PERP])}

    found = {(i.kind.value, i.ts_start, i.count) for i in scans["open_interest"].issues}
    assert found == {
        ("non_positive_value", T0 + HOUR_MS, 1),
        ("absurd_value", T0 + 3 * HOUR_MS, 1),  # 100 -> 5,000: fifty times
        ("gap", T0 + 4 * HOUR_MS, 2),
    }
    found = {(i.kind.value, i.ts_start, i.count) for i in scans["long_short_ratio"].issues}
    assert found == {("non_positive_value", T0, 1), ("absurd_value", T0 + HOUR_MS, 1)}
    events = context.integrity.events(exchange=EXCHANGE, symbol=PERP)
    assert len(events) == 5
    assert {e.dataset for e in events} == {"open_interest", "long_short_ratio"}
