"""A season series created under ARENA_CONFIG_FILE, on both databases: every window keeps the
file's values, not only the first."""

from __future__ import annotations

from pathlib import Path

from alpha_arena.core.clock import SimClock
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.seasons.config import parse_season_config
from alpha_arena.seasons.series import SeriesKind
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.services.series import SeriesRequest, create_series
from alpha_arena.storage.season_store import SeasonStore
from tests.support.sample import sample_subset

BTC = "BTC/USDT:USDT"
FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]


def test_every_window_of_a_series_keeps_the_config_files_values(
    database_url: str, tmp_path: Path
) -> None:
    config_file = tmp_path / "arena.toml"
    config_file.write_text("[risk]\nmin_confidence = 0.4\n\n[regime]\nwindow = 50\n")
    settings = Settings(_env_file=None, database_url=database_url, config_file=config_file)
    context = open_context(settings, clock=SimClock(parse_ts("2026-06-01")))
    try:
        load_sample(context, sample_subset(tmp_path / "sample", FILES))
        add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend"})
        created = create_series(context, SeriesRequest(
            "repeated", SeriesKind.REPEAT, 3, agents=("trend",), symbols=(BTC,),
            start=parse_ts("2024-06-01"), end=parse_ts("2024-06-03"),
        ))  # fmt: skip
        store = SeasonStore(context.engine)
        configs = [parse_season_config(store.get(season_id).config)
                   for season_id in created.series.season_ids]  # fmt: skip
    finally:
        context.close()
    assert len(configs) == 3
    for config in configs:
        assert config.risk_config == {"risk": {"min_confidence": 0.4}, "regime": {"window": 50}}
        assert config.limits().min_confidence == 0.4
