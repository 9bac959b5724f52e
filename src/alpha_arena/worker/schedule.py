"""What ``arena scheduler`` (Celery beat) sends, and when: a price refresh every
``ARENA_WORKER_PRICE_REFRESH_S``, an ingestion of the configured series every
``ARENA_WORKER_INGEST_EVERY_S`` (each run fetches only the bars that closed since the newest
stored one, so a bar is stored within that time of its close), and a daily integrity scan.
Running seasons are handed to workers by the scheduler's dispatcher (``worker.dispatcher``),
not by beat, so that a season is never queued twice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celery.schedules import crontab

from alpha_arena.core.errors import ConfigurationError
from alpha_arena.core.settings import Settings


@dataclass(frozen=True, slots=True)
class Series:
    exchange: str
    symbol: str
    timeframe: str

    def __str__(self) -> str:
        return f"{self.exchange} {self.symbol} {self.timeframe}"


def ingest_series(settings: Settings) -> list[Series]:
    """``ARENA_WORKER_INGEST_SERIES`` read as series: ``EXCHANGE SYMBOL TIMEFRAME``, comma-
    separated; ConfigurationError names an entry that is not of that form."""
    series = []
    for item in settings.worker_ingest_series.split(","):
        if not item.strip():
            continue
        parts = item.split()
        if len(parts) != 3:
            raise ConfigurationError(
                f"ARENA_WORKER_INGEST_SERIES entry {item.strip()!r}: use EXCHANGE SYMBOL "
                "TIMEFRAME, e.g. 'binanceusdm BTC/USDT:USDT 1h'"
            )
        series.append(Series(parts[0].lower(), parts[1], parts[2]))
    return series


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    schedule: dict[str, dict[str, Any]] = {
        "integrity-scan": {
            "task": "arena.integrity_scan",
            "schedule": crontab(minute=0, hour=settings.worker_integrity_hour),
        },
    }
    if settings.worker_ingest_series.strip():
        schedule["ingest-series"] = {
            "task": "arena.ingest_series",
            "schedule": settings.worker_ingest_every_s,
        }
        schedule["refresh-prices"] = {
            "task": "arena.refresh_prices",
            "schedule": settings.worker_price_refresh_s,
        }
    return schedule


def describe(entry: dict[str, Any]) -> str:
    """A schedule in words: ``every 30 s`` or the crontab's fields."""
    every = entry["schedule"]
    if isinstance(every, int | float):
        return f"every {every:g} s"
    if isinstance(every, crontab):
        return (
            f"cron {every._orig_minute} {every._orig_hour} {every._orig_day_of_month} "
            f"{every._orig_month_of_year} {every._orig_day_of_week} (UTC)"
        )
    return str(every)
