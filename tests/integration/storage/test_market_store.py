"""MarketStore on a real SQLite file and a real PostgreSQL schema, with real Binance rows."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from alpha_arena.core.errors import DataIntegrityError, InvalidInputError, NotFoundError
from alpha_arena.core.time import HOUR_MS
from alpha_arena.domain.instrument import Instrument, MarketType
from alpha_arena.domain.market import Candles, FundingRates, OpenInterest, PriceSnapshot
from alpha_arena.marketdata.sources.sample import read_candles, read_funding, sample_instruments
from alpha_arena.services.context import AppContext
from alpha_arena.storage.market_store import MarketStore, SeriesSummary
from tests.support.sample import SAMPLE

EXCHANGE = "binance"
PERP = "BTC/USDT:USDT"
SPOT = "BTC/USDT"
NOW = 1_750_000_000_000

# Real rows: the first 300 BTC perpetual 1h bars (2024-01-01 onwards) and 60 funding settlements.
BTC_1H = read_candles(SAMPLE / "binance_usdm_BTCUSDT_1h.csv.gz").slice(0, 300)
BTC_FUNDING = read_funding(SAMPLE / "binance_usdm_BTCUSDT_funding_8h.csv.gz")
BTC_FUNDING = FundingRates(BTC_FUNDING.ts[:60], BTC_FUNDING.rate[:60])
T0 = int(BTC_1H.ts[0])


@pytest.fixture
def store(context: AppContext) -> MarketStore:
    context.market.upsert_instruments(sample_instruments(), NOW)
    return context.market


def assert_same_candles(actual: Candles, expected: Candles) -> None:
    """Equal to the bit: timestamps as int64, every float with the same IEEE-754 pattern."""
    assert actual.ts.dtype == np.int64
    assert np.array_equal(actual.ts, expected.ts)
    for column in ("open", "high", "low", "close", "volume"):
        ours, theirs = getattr(actual, column), getattr(expected, column)
        assert ours.dtype == np.float64, column
        assert np.array_equal(ours.view(np.uint64), theirs.view(np.uint64)), column


def shifted(candles: Candles, factor: float) -> Candles:
    """The same bars with every price and volume scaled: distinguishable values, same keys."""
    return Candles(
        candles.ts.copy(),
        candles.open * factor,
        candles.high * factor,
        candles.low * factor,
        candles.close * factor,
        candles.volume * factor,
    )


def count_rows(store: MarketStore, table: str) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


# -- candles -----------------------------------------------------------------------------------


def test_candles_read_back_bit_identical_to_what_was_written(store: MarketStore) -> None:
    assert store.write_candles(EXCHANGE, PERP, "1h", BTC_1H) == len(BTC_1H)
    assert_same_candles(store.read_candles(EXCHANGE, PERP, "1h"), BTC_1H)


def test_series_are_kept_apart_by_instrument_and_timeframe(store: MarketStore) -> None:
    store.write_candles(EXCHANGE, PERP, "1h", BTC_1H)
    store.write_candles(EXCHANGE, SPOT, "1h", shifted(BTC_1H.slice(0, 10), 2.0))
    store.write_candles(EXCHANGE, PERP, "4h", shifted(BTC_1H.slice(0, 5), 3.0))
    assert_same_candles(store.read_candles(EXCHANGE, PERP, "1h"), BTC_1H)
    assert_same_candles(store.read_candles(EXCHANGE, SPOT, "1h"), shifted(BTC_1H.slice(0, 10), 2.0))
    assert_same_candles(store.read_candles(EXCHANGE, PERP, "4h"), shifted(BTC_1H.slice(0, 5), 3.0))
    assert store.stored_timeframes(EXCHANGE, PERP) == ["1h", "4h"]
    assert store.stored_timeframes(EXCHANGE, "ETH/USDT:USDT") == []


def test_read_candles_bounds_are_inclusive_and_last_takes_the_newest(store: MarketStore) -> None:
    store.write_candles(EXCHANGE, PERP, "1h", BTC_1H)
    start, end = T0 + 10 * HOUR_MS, T0 + 19 * HOUR_MS
    assert_same_candles(store.read_candles(EXCHANGE, PERP, "1h", start, end), BTC_1H.slice(10, 20))
    assert_same_candles(
        store.read_candles(EXCHANGE, PERP, "1h", ts_from=start), BTC_1H.slice(10, 300)
    )
    assert_same_candles(store.read_candles(EXCHANGE, PERP, "1h", ts_to=end), BTC_1H.slice(0, 20))
    # Bounds between bars select the bars opened inside them.
    assert_same_candles(
        store.read_candles(EXCHANGE, PERP, "1h", start - 1, end + 1), BTC_1H.slice(10, 20)
    )
    assert_same_candles(store.read_candles(EXCHANGE, PERP, "1h", last=5), BTC_1H.slice(295, 300))
    assert_same_candles(
        store.read_candles(EXCHANGE, PERP, "1h", ts_to=end, last=3), BTC_1H.slice(17, 20)
    )
    assert_same_candles(store.read_candles(EXCHANGE, PERP, "1h", last=10_000), BTC_1H)
    assert store.last_candle_ts(EXCHANGE, PERP, "1h") == int(BTC_1H.ts[-1])
    assert np.array_equal(store.candle_timestamps(EXCHANGE, PERP, "1h"), BTC_1H.ts)


@pytest.mark.parametrize(
    "bounds",
    [
        {"ts_from": T0 + 1000 * HOUR_MS},
        {"ts_to": T0 - 1},
        {"ts_from": T0 + 1, "ts_to": T0 + HOUR_MS - 1},
        {"last": 0},
    ],
    ids=["after", "before", "between-bars", "last-0"],
)
def test_an_empty_read_still_has_int64_and_float64_columns(
    store: MarketStore, bounds: dict[str, int]
) -> None:
    store.write_candles(EXCHANGE, PERP, "1h", BTC_1H)
    empty = store.read_candles(EXCHANGE, PERP, "1h", **bounds)
    assert len(empty) == 0
    assert empty.ts.dtype == np.int64
    assert all(getattr(empty, c).dtype == np.float64 for c in ("open", "high", "low", "close"))
    assert empty.volume.dtype == np.float64


def test_a_series_never_written_reads_empty_and_typed(store: MarketStore) -> None:
    empty = store.read_candles(EXCHANGE, PERP, "1h")
    assert (len(empty), empty.ts.dtype, empty.close.dtype) == (0, np.dtype("i8"), np.dtype("f8"))
    assert store.last_candle_ts(EXCHANGE, PERP, "1h") is None
    funding = store.read_funding(EXCHANGE, PERP)
    assert (len(funding), funding.ts.dtype, funding.rate.dtype) == (
        0,
        np.dtype("i8"),
        np.dtype("f8"),
    )


def test_rewriting_the_same_batch_inserts_nothing(store: MarketStore) -> None:
    store.write_candles(EXCHANGE, PERP, "1h", BTC_1H)
    assert store.write_candles(EXCHANGE, PERP, "1h", BTC_1H) == 0
    assert count_rows(store, "candles") == len(BTC_1H)


def test_a_stored_bar_is_kept_when_a_later_batch_brings_other_values(store: MarketStore) -> None:
    store.write_candles(EXCHANGE, PERP, "1h", BTC_1H)
    assert store.write_candles(EXCHANGE, PERP, "1h", shifted(BTC_1H, 2.0)) == 0
    assert_same_candles(store.read_candles(EXCHANGE, PERP, "1h"), BTC_1H)


def test_overlapping_batch_inserts_only_its_new_rows(store: MarketStore) -> None:
    # On PostgreSQL the second batch overlaps stored rows, so it goes through the merge path.
    store.write_candles(EXCHANGE, PERP, "1h", BTC_1H.slice(0, 200))
    overlapping = BTC_1H.slice(150, 300)
    changed = Candles(
        overlapping.ts,
        np.where(overlapping.ts < BTC_1H.ts[200], overlapping.open * 2, overlapping.open),
        overlapping.high,
        overlapping.low,
        overlapping.close,
        overlapping.volume,
    )
    assert store.write_candles(EXCHANGE, PERP, "1h", changed) == 100
    assert_same_candles(store.read_candles(EXCHANGE, PERP, "1h"), BTC_1H)


def test_batch_after_the_stored_range_is_appended_whole(store: MarketStore) -> None:
    # On PostgreSQL nothing is stored within the batch's range: it is copied straight in.
    store.write_candles(EXCHANGE, PERP, "1h", BTC_1H.slice(0, 100))
    assert store.write_candles(EXCHANGE, PERP, "1h", BTC_1H.slice(100, 300)) == 200
    store.write_candles(EXCHANGE, PERP, "1h", BTC_1H.slice(250, 300))
    assert_same_candles(store.read_candles(EXCHANGE, PERP, "1h"), BTC_1H)


def test_batch_interleaved_with_stored_bars_inserts_every_row(store: MarketStore) -> None:
    # Its range covers stored bars although none of its own rows is stored: the merge path
    # must insert all of them.
    even, odd = np.arange(0, 300, 2), np.arange(1, 300, 2)

    def pick(index: np.ndarray) -> Candles:
        return Candles(
            *(getattr(BTC_1H, c)[index] for c in ("ts", "open", "high", "low", "close", "volume"))
        )

    assert store.write_candles(EXCHANGE, PERP, "1h", pick(even)) == 150
    assert store.write_candles(EXCHANGE, PERP, "1h", pick(odd)) == 150
    assert_same_candles(store.read_candles(EXCHANGE, PERP, "1h"), BTC_1H)


def test_batch_in_reverse_order_reads_back_sorted(store: MarketStore) -> None:
    reverse = np.arange(len(BTC_1H))[::-1]
    backwards = Candles(
        *(getattr(BTC_1H, c)[reverse] for c in ("ts", "open", "high", "low", "close", "volume"))
    )
    assert store.write_candles(EXCHANGE, PERP, "1h", backwards) == len(BTC_1H)
    assert_same_candles(store.read_candles(EXCHANGE, PERP, "1h"), BTC_1H)


def test_an_empty_batch_writes_nothing(store: MarketStore) -> None:
    assert store.write_candles(EXCHANGE, PERP, "1h", Candles.empty()) == 0
    assert store.write_funding(EXCHANGE, PERP, FundingRates(BTC_1H.ts[:0], BTC_1H.open[:0])) == 0
    assert count_rows(store, "candles") == count_rows(store, "funding_rates") == 0


# -- random batches in random order ------------------------------------------------------------

_example_counter = itertools.count()

prices = st.floats(min_value=0.0, max_value=1e15, exclude_min=True, allow_nan=False)
batch = st.lists(
    st.tuples(st.integers(0, 80), prices, prices, prices, prices, prices),
    min_size=1,
    max_size=40,
    unique_by=lambda row: row[0],
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batches=st.lists(batch, min_size=1, max_size=5))
def test_random_batches_in_random_order_read_back_sorted_and_deduplicated(
    store: MarketStore, batches: list[list[tuple[int, float, float, float, float, float]]]
) -> None:
    # Each example writes its own fresh series: a new instrument on the same database.
    base = f"P{next(_example_counter)}"
    symbol = f"{base}/USDT:USDT"
    instrument = replace(sample_instruments()[0], symbol=symbol, base=base)
    store.upsert_instruments([instrument], NOW)
    kept: dict[int, tuple[float, ...]] = {}
    for rows in batches:
        new = {hour for hour, *_ in rows} - set(kept)
        candles = Candles(
            np.array([T0 + hour * HOUR_MS for hour, *_ in rows], dtype=np.int64),
            *(np.array([row[column] for row in rows], dtype=np.float64) for column in range(1, 6)),
        )
        assert store.write_candles(EXCHANGE, symbol, "1h", candles) == len(new)
        for hour, *values in rows:
            kept.setdefault(hour, tuple(values))  # the first write of a bar wins
    hours = sorted(kept)
    expected = Candles(
        np.array([T0 + hour * HOUR_MS for hour in hours], dtype=np.int64),
        *(
            np.array([kept[hour][column] for hour in hours], dtype=np.float64)
            for column in range(5)
        ),
    )
    assert_same_candles(store.read_candles(EXCHANGE, symbol, "1h"), expected)


# -- funding -----------------------------------------------------------------------------------


def test_funding_round_trips_exactly_and_keeps_stored_settlements(store: MarketStore) -> None:
    assert store.write_funding(EXCHANGE, PERP, BTC_FUNDING) == 60
    stored = store.read_funding(EXCHANGE, PERP)
    assert np.array_equal(stored.ts, BTC_FUNDING.ts)
    assert np.array_equal(stored.rate.view(np.uint64), BTC_FUNDING.rate.view(np.uint64))
    doubled = FundingRates(BTC_FUNDING.ts, BTC_FUNDING.rate * 2)
    assert store.write_funding(EXCHANGE, PERP, doubled) == 0
    assert np.array_equal(store.read_funding(EXCHANGE, PERP).rate, BTC_FUNDING.rate)
    assert store.last_funding_ts(EXCHANGE, PERP) == int(BTC_FUNDING.ts[-1])


def test_funding_overlap_inserts_only_new_settlements_and_ranges_are_inclusive(
    store: MarketStore,
) -> None:
    head = FundingRates(BTC_FUNDING.ts[:40], BTC_FUNDING.rate[:40])
    tail = FundingRates(BTC_FUNDING.ts[30:], BTC_FUNDING.rate[30:])
    assert store.write_funding(EXCHANGE, PERP, head) == 40
    assert store.write_funding(EXCHANGE, PERP, tail) == 20
    middle = store.read_funding(EXCHANGE, PERP, int(BTC_FUNDING.ts[10]), int(BTC_FUNDING.ts[19]))
    assert np.array_equal(middle.ts, BTC_FUNDING.ts[10:20])
    newest = store.read_funding(EXCHANGE, PERP, ts_to=int(BTC_FUNDING.ts[19]), last=2)
    assert np.array_equal(newest.ts, BTC_FUNDING.ts[18:20])


# -- prices and open interest ------------------------------------------------------------------


def test_latest_price_is_the_newest_snapshot_at_or_before_as_of(store: MarketStore) -> None:
    snapshots = [
        PriceSnapshot(
            PERP, T0, 42_000.5, mark=42_001.25, index=41_999.75, bid=42_000.4, ask=42_000.6
        ),
        PriceSnapshot(PERP, T0 + 60_000, 42_100.0),
        PriceSnapshot(PERP, T0 + 120_000, None, mark=42_200.0),
    ]
    assert store.write_price_snapshots(EXCHANGE, snapshots) == 3
    assert store.latest_price(EXCHANGE, PERP, T0 - 1) is None
    assert store.latest_price(EXCHANGE, PERP, T0) == snapshots[0]
    assert store.latest_price(EXCHANGE, PERP, T0 + 119_999) == snapshots[1]
    assert store.latest_price(EXCHANGE, PERP, T0 + 120_000) == snapshots[2]
    assert store.latest_price(EXCHANGE, PERP, T0 + 10**9) == snapshots[2]
    assert store.latest_price(EXCHANGE, SPOT, T0 + 10**9) is None


def test_a_second_snapshot_at_the_same_time_is_ignored(store: MarketStore) -> None:
    first = PriceSnapshot(PERP, T0, 42_000.5)
    assert store.write_price_snapshots(EXCHANGE, [first]) == 1
    assert store.write_price_snapshots(EXCHANGE, [replace(first, last=1.0)]) == 0
    assert store.latest_price(EXCHANGE, PERP, T0) == first


def test_latest_open_interest_is_the_newest_at_or_before_as_of(store: MarketStore) -> None:
    items = [
        OpenInterest(PERP, T0, 81_234.5, 3.4e9),
        OpenInterest(PERP, T0 + 300_000, 81_300.0, None),
    ]
    assert store.write_open_interest(EXCHANGE, items) == 2
    assert store.write_open_interest(EXCHANGE, items) == 0
    assert store.latest_open_interest(EXCHANGE, PERP, T0 - 1) is None
    assert store.latest_open_interest(EXCHANGE, PERP, T0 + 299_999) == items[0]
    assert store.latest_open_interest(EXCHANGE, PERP, T0 + 300_000) == items[1]


# -- instruments -------------------------------------------------------------------------------


def test_instrument_specs_round_trip_exactly(store: MarketStore) -> None:
    expected = sorted(sample_instruments(), key=lambda item: item.symbol)
    assert store.instruments() == expected
    assert store.instruments("okx") == []
    assert store.instrument(EXCHANGE, "DOGE/USDT:USDT") == next(
        item for item in expected if item.symbol == "DOGE/USDT:USDT"
    )
    assert store.instrument(EXCHANGE, "NOPE/USDT") is None


def test_fine_specs_and_symbols_differing_only_by_case_round_trip_exactly(
    store: MarketStore,
) -> None:
    # NUMERIC(38, 18) gives back the floats written, down to 1e-18 and up to 15 significant
    # digits (PostgreSQL keeps no more of a float); a rebate is a negative fee.
    fine = Instrument(
        "hyperliquid", "kPEPE/USDC:USDC", MarketType.SWAP, "kPEPE", "USDC", "USDC", 1e-8,
        2.5e-7, 0.000123456789012, 123456.789, 50.0, -0.0001, 0.00035, 0.0125, 1e-18,
    )  # fmt: skip
    upper = replace(fine, symbol="KPEPE/USDC:USDC", base="KPEPE", price_tick=0.1)
    store.upsert_instruments([fine, upper], NOW)
    assert store.instrument("hyperliquid", "kPEPE/USDC:USDC") == fine
    assert store.instrument("hyperliquid", "KPEPE/USDC:USDC") == upper
    assert store.instrument("hyperliquid", "Kpepe/USDC:USDC") is None
    assert len(store.instruments("hyperliquid")) == 2


def test_upsert_refreshes_the_specs_of_a_known_instrument_and_keeps_its_data(
    store: MarketStore,
) -> None:
    store.write_candles(EXCHANGE, PERP, "1h", BTC_1H)
    old = store.instrument(EXCHANGE, PERP)
    assert old is not None
    new = replace(
        old, price_tick=0.5, taker_fee=0.0004, max_leverage=100.0, maintenance_margin_rate=0.0065
    )
    store.upsert_instruments([new], NOW + 1)
    assert store.instrument(EXCHANGE, PERP) == new
    assert len(store.instruments()) == 12
    assert_same_candles(store.read_candles(EXCHANGE, PERP, "1h"), BTC_1H)


def test_upsert_adds_an_instrument_of_another_exchange(store: MarketStore) -> None:
    okx = Instrument(
        "okx",
        PERP,
        MarketType.SWAP,
        "BTC",
        "USDT",
        "USDT",
        0.1,
        0.01,
        0.01,
        5.0,
        100.0,
        0.0002,
        0.0005,
        0.004,
        contract_size=0.01,
    )
    store.upsert_instruments([okx], NOW)
    assert store.instruments("okx") == [okx]
    assert store.instrument(EXCHANGE, PERP) != okx


def test_unknown_instrument_raises_not_found_naming_the_known_symbols(store: MarketStore) -> None:
    with pytest.raises(NotFoundError) as raised:
        store.read_candles(EXCHANGE, "NOPE/USDT:USDT", "1h")
    message = str(raised.value)
    assert "'NOPE/USDT:USDT'" in message
    assert "known: " in message
    assert all(symbol in message for symbol in ("BTC/USDT:USDT", "XRP/USDT", "DOGE/USDT:USDT"))
    with pytest.raises(NotFoundError):
        store.write_candles(EXCHANGE, "NOPE/USDT:USDT", "1h", BTC_1H)
    with pytest.raises(NotFoundError):
        store.write_price_snapshots(EXCHANGE, [PriceSnapshot("NOPE/USDT:USDT", T0, 1.0)])
    assert count_rows(store, "candles") == count_rows(store, "price_snapshots") == 0


def test_unknown_instrument_on_an_empty_database_says_to_load_data(context: AppContext) -> None:
    with pytest.raises(NotFoundError, match="load data first"):
        context.market.read_funding(EXCHANGE, PERP)


# -- coverage ----------------------------------------------------------------------------------


def test_series_summarises_every_candle_and_funding_series(store: MarketStore) -> None:
    store.write_candles(EXCHANGE, PERP, "1h", BTC_1H)
    store.write_candles(EXCHANGE, SPOT, "1h", BTC_1H.slice(5, 15))
    store.write_funding(EXCHANGE, PERP, BTC_FUNDING)
    first, last = int(BTC_1H.ts[0]), int(BTC_1H.ts[-1])
    assert store.series() == [
        SeriesSummary(EXCHANGE, SPOT, "candles", "1h", int(BTC_1H.ts[5]), int(BTC_1H.ts[14]), 10),
        SeriesSummary(EXCHANGE, PERP, "candles", "1h", first, last, 300),
        SeriesSummary(
            EXCHANGE,
            PERP,
            "funding",
            "funding",
            int(BTC_FUNDING.ts[0]),
            int(BTC_FUNDING.ts[-1]),
            60,
        ),
    ]
    assert store.series("okx") == []


# -- batches the two databases would store differently are refused on both -------------------


def test_a_batch_repeating_a_timestamp_is_refused_and_nothing_is_stored(store: MarketStore) -> None:
    bars = BTC_1H.slice(0, 5)
    repeated = Candles(
        *(
            np.concatenate((column, column[-1:]))
            for column in (bars.ts, bars.open, bars.high, bars.low, bars.close, bars.volume)
        )
    )
    with pytest.raises(DataIntegrityError, match="repeats a timestamp"):
        store.write_candles(EXCHANGE, PERP, "1h", repeated)
    assert len(store.read_candles(EXCHANGE, PERP, "1h")) == 0


@pytest.mark.parametrize("column", ["open", "high", "low", "close", "volume"])
def test_a_batch_with_a_nan_is_refused_and_nothing_is_stored(
    store: MarketStore, column: str
) -> None:
    bars = BTC_1H.slice(0, 5)
    broken = getattr(bars, column).copy()
    broken[2] = np.nan
    with pytest.raises(DataIntegrityError, match=f"non-finite {column}"):
        store.write_candles(EXCHANGE, PERP, "1h", replace(bars, **{column: broken}))
    assert len(store.read_candles(EXCHANGE, PERP, "1h")) == 0


def test_funding_with_an_infinite_rate_is_refused(store: MarketStore) -> None:
    rates = BTC_FUNDING.rate.copy()
    rates[0] = np.inf
    with pytest.raises(DataIntegrityError, match="non-finite rate"):
        store.write_funding(EXCHANGE, PERP, FundingRates(BTC_FUNDING.ts, rates))
    assert len(store.read_funding(EXCHANGE, PERP)) == 0


def test_an_unknown_timeframe_is_refused_the_same_way_on_both_databases(
    store: MarketStore,
) -> None:
    with pytest.raises(InvalidInputError, match="unknown timeframe '1w'"):
        store.write_candles(EXCHANGE, PERP, "1w", BTC_1H.slice(0, 2))
