"""Fixtures for ingestion through the real CCXT client against the loopback fake exchange."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alpha_arena.services.context import AppContext
from tests.integration.marketdata.ingest_helpers import NOW, pointed_at
from tests.support.fake_exchange import FakeExchange


@pytest.fixture
def fake() -> Iterator[FakeExchange]:
    """A fake OKX + Binance USDT-M server whose clock reads NOW."""
    with FakeExchange(NOW) as server:
        yield server


@pytest.fixture
def arena(context: AppContext, fake: FakeExchange) -> AppContext:
    """An application context on a fresh database, pointed at the fake exchange."""
    return pointed_at(context, fake)
