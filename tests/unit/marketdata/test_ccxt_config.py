"""Exchange configuration and the base-URL rewrite that points CCXT at a mirror or a fake."""

from __future__ import annotations

import ccxt
import pytest

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.marketdata.sources.ccxt_source import (
    SUPPORTED_EXCHANGES,
    CcxtSource,
    ExchangeConfig,
    rewrite_urls,
)


def test_rewrite_keeps_each_path_and_fills_hostname_templates() -> None:
    urls = {
        "rest": "https://{hostname}",
        "fapiPublic": "https://fapi.binance.com/fapi/v1",
        "nested": {"public": "https://api.{hostname}/v5/market"},
    }
    assert rewrite_urls(urls, "http://127.0.0.1:8080") == {
        "rest": "http://127.0.0.1:8080",
        "fapiPublic": "http://127.0.0.1:8080/fapi/v1",
        "nested": {"public": "http://127.0.0.1:8080/v5/market"},
    }


def test_rewrite_prefixes_the_path_of_a_proxy_base_url() -> None:
    assert rewrite_urls("https://fapi.binance.com/fapi/v1", "https://proxy.example/binance/") == (
        "https://proxy.example/binance/fapi/v1"
    )


@pytest.mark.parametrize("exchange", SUPPORTED_EXCHANGES)
def test_every_api_url_of_every_supported_exchange_points_at_the_base_url(exchange: str) -> None:
    source = CcxtSource(ExchangeConfig(exchange, base_url="http://127.0.0.1:9"))
    client = getattr(ccxt, exchange)()

    def leaves(value: object) -> list[str]:
        if isinstance(value, dict):
            return [leaf for item in value.values() for leaf in leaves(item)]
        return [value] if isinstance(value, str) else []

    rewritten = leaves(source._exchange.urls["api"])
    assert len(rewritten) == len(leaves(client.urls["api"])) > 0
    assert all(url.startswith("http://127.0.0.1:9") for url in rewritten)
    assert not any("{hostname}" in url for url in rewritten)
    source.close()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"exchange": "kraken"}, r"unknown exchange 'kraken'; accepted: okx, binance, binanceusdm"),
        ({"exchange": "okx", "base_url": "ftp://x"}, r"must start with http:// or https://"),
        ({"exchange": "okx", "timeout_s": 0}, r"timeout must be > 0"),
        ({"exchange": "okx", "max_retries": -1}, r"retries and back-off >= 0"),
    ],
)
def test_a_bad_configuration_is_rejected_with_what_is_accepted(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        ExchangeConfig(**values)  # type: ignore[arg-type]
