"""The API through the real app (FastAPI's in-process client speaks real ASGI), on a SQLite
file and on PostgreSQL, over a database holding the BTC and ETH perpetual 1h bars and funding
of the bundled sample."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from alpha_arena.api.app import create_app
from alpha_arena.core.clock import SimClock
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import sample_subset

TOKEN = "s3cret-test-token"
#: The Host the in-process test clients send: configured, like any name but loopback's.
TEST_HOST = "testserver"
#: A real loopback address for the test clients (their default "testclient" is no address).
LOOPBACK = ("127.0.0.1", 50000)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
FILES = [
    "binance_usdm_BTCUSDT_1h.csv.gz",
    "binance_usdm_BTCUSDT_funding_8h.csv.gz",
    "binance_usdm_ETHUSDT_1h.csv.gz",
    "binance_usdm_ETHUSDT_funding_8h.csv.gz",
]


def assert_error(response: Any, status: int, code: str, *fragments: str) -> str:
    """The unified error body with ``status``, ``code`` and each fragment; returns its message."""
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error"}
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code and error["message"]
    for fragment in fragments:
        assert fragment in error["message"]
    return str(error["message"])


def with_token(settings: Settings, token: str | None = TOKEN) -> Settings:
    return settings.model_copy(update={"api_token": None if token is None else SecretStr(token)})


@pytest.fixture(scope="module", params=BACKENDS)
def market(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppContext]:
    """A database per backend with the sample's BTC and ETH perpetuals loaded (module-wide:
    tests add rows under names of their own and never rely on a table being empty)."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        folder = sample_subset(tmp_path_factory.mktemp("sample"), FILES)
        settings = with_token(settings_for(url)).model_copy(update={"api_allowed_hosts": TEST_HOST})
        context = open_context(settings, clock=SimClock(parse_ts("2026-06-01")))
        try:
            load_sample(context, folder)
            yield context
        finally:
            context.close()


@pytest.fixture
def client(market: AppContext) -> Iterator[TestClient]:
    """The app on ``market``, with a token configured and no embedded runner (tests that
    want seasons to run use ``running_client``)."""
    app = create_app(context=market, embedded_runner=False)
    with TestClient(app, client=LOOPBACK) as test_client:
        yield test_client


@pytest.fixture
def running_client(market: AppContext) -> Iterator[TestClient]:
    """The app on ``market`` with its embedded season runner."""
    app = create_app(context=market, embedded_runner=True)
    with TestClient(app, client=LOOPBACK) as test_client:
        yield test_client


def read_only_client(market: AppContext) -> TestClient:
    """The app on ``market`` with no token configured: every write must be refused."""
    return TestClient(create_app(with_token(market.settings, None), market, False), client=LOOPBACK)


@pytest.fixture
def tmp_folder(tmp_path: Path) -> Path:
    return tmp_path
