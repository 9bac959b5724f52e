"""The workers' tasks: each a thin call of a service, like a CLI command or a route.

Every task is safe to run twice: a season's run is guarded by its lease (a second copy finds
the season taken and returns), a backtest delivered again returns the run its first delivery
stored (found through the result store), ingestion and price refreshes write idempotently,
and an integrity scan only records what it finds."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task

from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.core.errors import ArenaError, TemporaryError
from alpha_arena.domain.seasons import SeasonConflictError
from alpha_arena.seasons.runner import SeasonRunner
from alpha_arena.services import backtests, ingestion, integrity
from alpha_arena.storage.season_leases import SeasonLeasedError
from alpha_arena.storage.season_store import LeaseLostError, SeasonStore
from alpha_arena.worker.app import celery_app
from alpha_arena.worker.process import STOP, context, stop_runners_on_sigterm
from alpha_arena.worker.schedule import ingest_series

logger = logging.getLogger(__name__)

ROLE = "arena worker"
RETRIES = {"autoretry_for": (TemporaryError,), "retry_backoff": 2, "retry_backoff_max": 60,
           "max_retries": 5}  # fmt: skip


@celery_app.task(name="arena.run_season", **RETRIES)
def run_season(season_id: int) -> dict[str, Any]:
    """Drive a running season until it finishes, is paused or ended, or this worker stops."""
    app = context()
    stop_runners_on_sigterm()
    runner = SeasonRunner(app, season_id, poll_s=0.25, stop=STOP, role=ROLE)
    try:
        report = runner.run()
    except (SeasonLeasedError, SeasonConflictError, LeaseLostError) as error:
        return {"season_id": season_id, "outcome": "not run here", "message": str(error)}
    except TemporaryError:
        raise
    except ArenaError as error:
        SeasonStore(app.engine).set_message(
            season_id, f"runner stopped: {error}; a worker retries it", app.clock.now_ms()
        )
        raise
    return {
        "season_id": season_id,
        "outcome": "stopped" if STOP.is_set() else report.status.value,
        "ticks_done": report.ticks_done,
        "ticks_stepped": report.ticks_stepped,
        "ticks_reexecuted": report.ticks_reexecuted,
        "message": report.message,
    }


def backtest_config(values: dict[str, Any]) -> BacktestConfig:
    """A BacktestConfig from its JSON form (``dataclasses.asdict`` of one)."""
    return BacktestConfig(
        **{
            **values,
            "symbols": tuple(values["symbols"]),
            "params": tuple((str(name), str(value)) for name, value in values["params"]),
            "risk": tuple((str(name), value) for name, value in values.get("risk", ())),
        }
    )


@celery_app.task(name="arena.run_backtest", bind=True, **RETRIES)
def run_backtest(self: Task, config: dict[str, Any]) -> int:
    """Run a backtest and store it; return its id."""
    earlier = self.AsyncResult(self.request.id)
    if earlier.successful():  # delivered again after its worker died before acknowledging
        return int(earlier.result)
    run_id, _ = backtests.run(context(), backtest_config(config))
    return run_id


@celery_app.task(name="arena.ingest_series", **RETRIES)
def ingest_configured_series() -> list[dict[str, Any]]:
    """Ingest every configured series from its newest stored bar on (bars that closed since)."""
    app = context()
    done = []
    for series in ingest_series(app.settings):
        report = ingestion.ingest(app, series.exchange, [series.symbol], [series.timeframe])
        done.append({"series": str(series), "candles": report.inserted("candles")})
    return done


@celery_app.task(name="arena.refresh_prices", **RETRIES)
def refresh_prices() -> int:
    """Store the current prices of every configured series' symbol; return how many."""
    app = context()
    by_exchange: dict[str, list[str]] = {}
    for series in ingest_series(app.settings):
        by_exchange.setdefault(series.exchange, []).append(series.symbol)
    stored = 0
    for exchange, symbols in by_exchange.items():
        with ingestion.open_market_source(app.settings, exchange) as source:
            snapshots = source.fetch_prices(sorted(set(symbols)), app.clock.now_ms())
            stored += app.market.write_price_snapshots(source.venue, snapshots)
    return stored


@celery_app.task(name="arena.integrity_scan", **RETRIES)
def integrity_scan() -> dict[str, int]:
    """Scan every stored series and record what is found; return the issues per kind."""
    results = integrity.scan(context())
    return {"series": len(results), "issues": sum(len(result.issues) for result in results)}
