"""CoinGecko's daily candles from price samples, the coin list setting, the pacing of calls and
the reading of Retry-After, against hand-computed values."""

from __future__ import annotations

import email.utils
import time

import httpx
import numpy as np
import pytest

from alpha_arena.core.errors import DataIntegrityError, InvalidInputError
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.marketdata.sources.coingecko import daily_candles, parse_coin_ids
from alpha_arena.marketdata.sources.coingecko_http import CoinGeckoConfig, Pacer, _retry_after

DAY1, DAY2 = parse_ts("2024-03-01"), parse_ts("2024-03-02")
MINUTES_5 = 300_000


def test_a_day_is_the_ohlc_of_its_samples_and_its_last_volume_over_its_close() -> None:
    answer = {
        "prices": [
            [DAY2 + MINUTES_5, 106.0],  # CoinGecko's order is kept only by time
            [DAY1 + MINUTES_5, 100.0],
            [DAY1 + 6 * HOUR_MS + MINUTES_5, 110.0],
            [DAY1 + 12 * HOUR_MS + MINUTES_5, 95.0],
            [DAY1 + 23 * HOUR_MS + MINUTES_5, 105.0],
        ],
        "market_caps": [],
        "total_volumes": [
            [DAY1 + MINUTES_5, 999.0],
            [DAY1 + 23 * HOUR_MS + MINUTES_5, 2100.0],  # the day's last: 2100 / 105 = 20
            [DAY2 + MINUTES_5, 1060.0],  # 1060 / 106 = 10
        ],
    }

    candles = daily_candles(answer, "BTC/USD")

    np.testing.assert_array_equal(candles.ts, [DAY1, DAY2])
    np.testing.assert_array_equal(candles.open, [100.0, 106.0])
    np.testing.assert_array_equal(candles.high, [110.0, 106.0])
    np.testing.assert_array_equal(candles.low, [95.0, 106.0])
    np.testing.assert_array_equal(candles.close, [105.0, 106.0])
    np.testing.assert_array_equal(candles.volume, [20.0, 10.0])


def test_a_day_without_a_volume_sample_gets_no_volume() -> None:
    candles = daily_candles({"prices": [[DAY1, 5.0]], "total_volumes": []}, "X/USD")
    np.testing.assert_array_equal(candles.volume, [0.0])


def test_no_samples_are_no_candles() -> None:
    assert len(daily_candles({"prices": [], "total_volumes": []}, "X/USD")) == 0


@pytest.mark.parametrize(
    "answer",
    [
        None,
        {"prices": [[DAY1, 1.0]]},  # no total_volumes
        {"prices": [[DAY1]], "total_volumes": []},
        {"prices": [[DAY1, None]], "total_volumes": []},
        {"prices": [[DAY1, True]], "total_volumes": []},
    ],
)
def test_any_other_shape_is_a_one_line_integrity_error(answer: object) -> None:
    with pytest.raises(DataIntegrityError, match=r"^coingecko: X/USD: unexpected answer [^\n]*$"):
        daily_candles(answer, "X/USD")


def test_extra_coins_are_read_as_symbol_equals_api_id() -> None:
    assert parse_coin_ids(" pepe=Pepe , WIF = dogwifcoin,") == {"PEPE": "pepe", "WIF": "dogwifcoin"}
    with pytest.raises(InvalidInputError, match=r"cannot read CoinGecko coin 'PEPE'; write"):
        parse_coin_ids("PEPE")


def test_calls_are_spaced_sixty_over_the_calls_per_minute_apart() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(30, sleep, lambda: now[0])  # 2 s apart
    pacer.wait()  # the first call goes at once
    now[0] += 0.5
    pacer.wait()  # 0.5 s after the first: waits 1.5 s
    now[0] += 5.0
    pacer.wait()  # 5 s after: at once
    assert slept == [1.5]


def test_an_unpaced_client_never_sleeps() -> None:
    slept: list[float] = []
    pacer = Pacer(0, slept.append, lambda: 0.0)
    pacer.wait()
    pacer.wait()
    assert slept == []


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    def answer(value: str | None) -> httpx.Response:
        headers = {} if value is None else {"Retry-After": value}
        return httpx.Response(429, headers=headers)

    assert _retry_after(answer("12")) == 12.0
    assert _retry_after(answer(None)) is None
    assert _retry_after(answer("soon")) is None
    in_a_minute = email.utils.formatdate(time.time() + 60, usegmt=True)
    wait = _retry_after(answer(in_a_minute))
    assert wait is not None and 55 <= wait <= 60


def test_a_bad_configuration_is_refused_and_the_key_stays_out_of_its_repr() -> None:
    with pytest.raises(InvalidInputError, match=r"must start with http:// or https://"):
        CoinGeckoConfig(base_url="ftp://x")
    config = CoinGeckoConfig(api_key="secret-key", key_type="pro")
    assert "secret-key" not in repr(config)
    assert config.url == "https://pro-api.coingecko.com/api/v3"
    assert CoinGeckoConfig().url == "https://api.coingecko.com/api/v3"
