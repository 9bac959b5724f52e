"""Season ledger reads: the risk events a season stored, counted by rule per entry, on a real
replay season on both databases. An agent asking for 10x in a season capped at 5x trades at 5x
(the clamp stored as an adjusted, approved risk event); a season whose every entry is denied
says why, entry by entry."""

from __future__ import annotations

from pathlib import Path

from alpha_arena.core.time import parse_ts
from alpha_arena.domain.seasons import SeasonStatus
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from alpha_arena.services.sample import load_sample
from alpha_arena.services.seasons import create_season, run_season
from alpha_arena.storage.season_queries import SeasonQueries
from alpha_arena.storage.season_store import SeasonStore
from tests.support.sample import sample_subset

BTC = "BTC/USDT:USDT"
FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]


def run(context: AppContext, name: str, risk: dict[str, float]) -> int:
    values = {"name": name, "symbols": [BTC], "start": parse_ts("2025-01-01"),
              "end": parse_ts("2025-01-15"), "participants": ["levered"], "risk": risk}  # fmt: skip
    season = create_season(context, values)
    assert run_season(context, season.id).status is SeasonStatus.FINISHED
    return season.id


def test_an_agent_above_the_cap_trades_at_it_and_the_clamp_is_stored(
    context: AppContext, tmp_path: Path
) -> None:
    load_sample(context, sample_subset(tmp_path / "sample", FILES))
    add_agent(context, "levered", {"kind": "strategy", "strategy": "ema_trend", "leverage": 10})

    season = run(context, "capped", {"max_leverage": 5})

    store = SeasonStore(context.engine)
    entry = next(e for e in store.entries(season) if e.name == "levered")
    fills = store.fills(entry.id)
    assert fills  # it traded: before, every 10x entry needed twice the cash at 5x
    events = store.risk_events(entry.id)
    clamps = [event for event in events if event["approved"]]
    assert clamps and all(event["rule"] == "" for event in clamps)
    for event in clamps:
        first, second = event["adjustments"]
        assert first == "leverage 10 clamped to 5 (limit 5, instrument 125)"
        assert second.startswith("notional ") and "with the leverage (margin kept at" in second
    assert all(order["leverage"] == 5.0 for order in store.orders(entry.id))
    assert SeasonQueries(context.engine).denial_counts(season)["levered"] == {}


def test_denial_counts_say_why_each_entry_of_a_season_never_traded(
    context: AppContext, tmp_path: Path
) -> None:
    load_sample(context, sample_subset(tmp_path / "sample", FILES))
    add_agent(context, "levered", {"kind": "strategy", "strategy": "ema_trend", "leverage": 10})

    # A position cap of 1 USD is below BTC's minimum notional: every entry is denied.
    season = run(context, "strangled", {"max_position_notional": 1})

    counts = SeasonQueries(context.engine).denial_counts(season)
    assert set(counts) == {"levered", "btc-buy-and-hold", "equal-weight-hold"}
    assert counts["btc-buy-and-hold"] == counts["equal-weight-hold"] == {"min_notional": 1}
    levered = counts["levered"]
    assert list(levered) == ["min_notional"] and levered["min_notional"] > 1
    store = SeasonStore(context.engine)
    entry = next(e for e in store.entries(season) if e.name == "levered")
    assert store.fills(entry.id) == []
    stored = store.risk_events(entry.id)
    assert len(stored) == levered["min_notional"]
    assert {event["rule"] for event in stored} == {"min_notional"}
