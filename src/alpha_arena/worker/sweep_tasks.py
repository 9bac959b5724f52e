"""Sweep chunks run by workers (see ``worker.sweeps``, which sends them).

A chunk is some combinations of one sweep's base configuration. The worker process reads the
sweep's market data and instruments from the database itself and keeps them for the sweep's
next chunks (the newest ``CACHED_MARKETS`` sweeps per process: a sweep's chunks carry a key of
their own, so that a later sweep never reuses data read before newer bars were stored). A
chunk is pure computation, so running it twice (its worker died before acknowledging it:
``acks_late`` comes from the app's configuration) is harmless; a database that is away for a
moment is retried."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from celery import Task
from sqlalchemy.exc import DBAPIError

from alpha_arena.backtest.run import BacktestConfig, SymbolData, load_market
from alpha_arena.backtest.sweep import run_points
from alpha_arena.domain.instrument import Instrument
from alpha_arena.services.backtests import data_service
from alpha_arena.storage.errors import database_error
from alpha_arena.worker.app import celery_app
from alpha_arena.worker.process import context
from alpha_arena.worker.sweeps import encode_point
from alpha_arena.worker.tasks import RETRIES, backtest_config

CACHED_MARKETS = 2

Market = tuple[dict[str, SymbolData], dict[str, Instrument]]
MarketKey = tuple[str, str, tuple[str, ...], str, int, int, int]

_markets: OrderedDict[MarketKey, Market] = OrderedDict()
_lock = threading.Lock()


@celery_app.task(name="arena.sweep_chunk", bind=True, **RETRIES)
def sweep_chunk(
    self: Task, sweep_key: str, base: dict[str, Any], warmup: int, params: list[list[list[str]]]
) -> dict[str, Any]:
    """Run ``base`` with each of ``params`` on the window's data (read with ``warmup`` bars
    before it); return this worker's name and each combination's point, in order."""
    config = backtest_config(base)
    configs = [
        replace(config, params=tuple((str(name), str(value)) for name, value in combination))
        for combination in params
    ]
    market, instruments = _market(sweep_key, config, warmup)
    points = run_points(market, instruments, configs)
    return {
        "worker": self.request.hostname,
        "points": [encode_point(point) for point in points],
    }


def _market(sweep_key: str, config: BacktestConfig, warmup: int) -> Market:
    """The window's market data and instruments, read once per process and sweep."""
    key = (
        sweep_key, config.exchange, config.symbols, config.timeframe, config.ts_start,
        config.ts_end, warmup,
    )  # fmt: skip
    with _lock:
        if key in _markets:
            _markets.move_to_end(key)
            return _markets[key]
        app = context()
        try:
            market = load_market(data_service(app, config.exchange), config, warmup)
            known = {item.symbol: item for item in app.market.instruments(config.exchange)}
            instruments = {s: known[s] for s in config.symbols if s in known}  # as run_sweep
        except DBAPIError as error:
            translated = database_error(error, app.settings.database_url)
            if translated is None:
                raise
            raise translated from error  # a transient one is a TemporaryError: retried
        _markets[key] = (market, instruments)
        while len(_markets) > CACHED_MARKETS:
            _markets.popitem(last=False)
        return market, instruments
