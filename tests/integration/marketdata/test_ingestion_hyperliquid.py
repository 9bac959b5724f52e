"""Ingestion from Hyperliquid through CCXT's real client against the fake's ``POST /info``
(candleSnapshot, fundingHistory, metaAndAssetCtxs): what is stored and what Hyperliquid's
limits leave out."""

from __future__ import annotations

import numpy as np

from alpha_arena.core.time import HOUR_MS
from alpha_arena.services.context import AppContext
from alpha_arena.services.ingestion import ingest
from tests.integration.marketdata.ingest_helpers import NOW, SINCE, advance, assert_stored, closed
from tests.support.fake_exchange import FakeExchange
from tests.support.fake_hyperliquid_info import CANDLES_KEPT

BTC, SAMPLE_BTC = "BTC/USDC:USDC", "BTC/USDT:USDT"  # the fake serves the sample's BTC rows


def test_candles_funding_prices_and_specs_are_stored_and_continued(
    arena: AppContext, fake: FakeExchange
) -> None:
    report = ingest(arena, "hyperliquid", [BTC], ["1h", "4h"], since=SINCE)

    assert report.venue == "hyperliquid"
    for timeframe in ("1h", "4h"):
        assert_stored(
            arena.market, "hyperliquid", BTC, timeframe, closed(fake, SAMPLE_BTC, timeframe)
        )
    # Each series is one candleSnapshot: 5,000 bars an answer covers the whole sample.
    assert fake.hyperliquid.info.requests["candleSnapshot"] == 2
    funding = arena.market.read_funding("hyperliquid", BTC)
    expected = fake.funding(SAMPLE_BTC, SINCE)
    np.testing.assert_array_equal(funding.ts, expected[:, 0].astype(np.int64))
    np.testing.assert_array_equal(funding.rate, expected[:, 1])
    instrument = arena.market.instrument("hyperliquid", BTC)
    assert instrument is not None
    assert (instrument.quote, instrument.settle, instrument.max_leverage) == ("USDC", "USDC", 40)
    assert (instrument.amount_step, instrument.taker_fee) == (0.00001, 0.00045)
    price = arena.market.latest_price("hyperliquid", BTC, as_of=NOW)
    quote = fake.quote(SAMPLE_BTC)
    # No last trade price in Hyperliquid's asset contexts: CCXT gives the mid; the mark and
    # oracle (index) prices come through CCXT's funding rates.
    assert price is not None and price.last == fake.price_now(SAMPLE_BTC)
    assert (price.mark, price.index) == (quote["mark"], quote["index"])
    interest = arena.market.latest_open_interest("hyperliquid", BTC, as_of=NOW)
    assert interest is not None and interest.amount == fake.open_interest(SAMPLE_BTC)

    advance(arena, fake, NOW + 24 * HOUR_MS)
    later = ingest(arena, "hyperliquid", [BTC], ["1h"], since=SINCE)
    assert later.inserted("candles") == 24 and later.inserted("funding") == 3
    assert_stored(arena.market, "hyperliquid", BTC, "1h", closed(fake, SAMPLE_BTC, "1h"))


def test_bars_older_than_the_newest_five_thousand_are_left_as_a_gap(
    arena: AppContext, fake: FakeExchange
) -> None:
    ingest(arena, "hyperliquid", [BTC], ["5m"], since=SINCE)

    served = fake.served_bars(SAMPLE_BTC, 5 * 60_000)
    kept = closed(fake, SAMPLE_BTC, "5m", ts_from=int(served[-CANDLES_KEPT, 0]))
    assert len(kept) == CANDLES_KEPT - 1  # the newest bar is still open
    assert_stored(arena.market, "hyperliquid", BTC, "5m", kept)
