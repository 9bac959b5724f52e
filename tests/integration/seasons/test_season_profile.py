"""A season's tunable defaults on both databases: the conservative preset's limits applied to
a trader's entries (a loopback server speaking the OpenAI protocol plays the trader), the
precedence of the season's own settings over ARENA_CONFIG_FILE over the built-in values, kept
with the season so a later change of the settings changes nothing, and the regime thresholds
pinned into a portfolio entry."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.seasons.config import parse_season_config
from alpha_arena.services import backtests, seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.season_store import SeasonStore
from tests.support.databases import BACKENDS, empty_database
from tests.support.fake_llm import FakeAnswer, FakeLlmServer, ReceivedRequest
from tests.support.sample import sample_subset

BTC = "BTC/USDT:USDT"
FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]
START, END = parse_ts("2024-06-01"), parse_ts("2024-06-01T06:00")
PRICE = re.compile(r"=== BTC/USDT:USDT ===\ncurrent price: ([^,\n]+)")
QUANTITY = 0.6  # BTC near 67,500: 40,500 notional, 8,100 margin at 5x of a 10,000 account


def scripted(request: ReceivedRequest) -> FakeAnswer:
    """Flat: buy 0.6 BTC at 5x with confidence 0.9. Holding: buy more with confidence 0.5."""
    user = request.body["messages"][1]["content"]
    found = PRICE.search(user)
    assert found is not None, user
    price = float(found.group(1))
    flat = "open positions: none" in user
    decision = {"coin": BTC, "signal": "buy_to_enter", "quantity": QUANTITY, "leverage": 5,
                "profit_target": round(price * 1.2, 1), "stop_loss": round(price * 0.8, 1),
                "invalidation_condition": "none", "confidence": 0.9 if flat else 0.5,
                "justification": "scripted"}  # fmt: skip
    return FakeAnswer(json.dumps({"reasoning": "scripted", "decisions": [decision]}))


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """A database URL with BTC's bars, funding, the trader and a portfolio agent (with a
    stored backtest to learn from), and the fake model's base URL."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("DEEPSEEK_API_KEY", "test-key")
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url, \
            FakeLlmServer(api_key="test-key") as model:  # fmt: skip
        model.respond_with(scripted)
        context = open_at(url, model.openai_base_url)
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
            add_agent(context, "trader", {"kind": "llm", "provider": "deepseek", "model": "m"})
            add_agent(context, "blend", {"kind": "portfolio", "top_n": 2})
            backtests.run(
                context,
                BacktestConfig(
                    "buy_and_hold", (BTC,), "1h", parse_ts("2024-01-01"), parse_ts("2024-03-01")
                ),
            )
        finally:
            context.close()
        yield url, model.openai_base_url
    monkeypatch.undo()


def open_at(url: str, llm_url: str | None = None, config_file: Path | None = None) -> AppContext:
    settings = Settings(_env_file=None, database_url=url, llm_base_url=llm_url,
                        llm_max_retries=0, config_file=config_file)  # fmt: skip
    return open_context(settings, clock=SimClock(parse_ts("2026-01-01")))


def values(name: str, participants: list[str], **extra: Any) -> dict[str, Any]:
    return {"name": name, "symbols": [BTC], "start": START, "end": END,
            "participants": participants, "baselines": False, **extra}  # fmt: skip


def trader_ledger(context: AppContext, season_id: int) -> tuple[list[Any], list[dict[str, Any]]]:
    store = SeasonStore(context.engine)
    (entry,) = [e for e in store.entries(season_id) if e.name == "trader"]
    return store.fills(entry.id), store.risk_events(entry.id)


def test_the_conservative_preset_clamps_a_5x_entry_and_denies_a_low_confidence_one(
    world: tuple[str, str],
) -> None:
    url, llm_url = world
    context = open_at(url, llm_url)
    try:
        season = seasons.create_season(
            context, values("careful", ["trader"], risk_preset="conservative")
        )
        seasons.run_season(context, season.id)
        fills, events = trader_ledger(context, season.id)
    finally:
        context.close()
    first, *later = events
    # The 5x entry goes through at 3x, its size lowered with the leverage (0.6 x 3/5 = 0.36
    # BTC, about 24,300) and then to the 20,000 notional cap.
    assert first["approved"] and first["rule"] == ""
    clamped, scaled, capped = first["adjustments"]
    assert clamped.startswith("leverage 5 clamped to 3 (limit 3,")
    found = re.fullmatch(r"notional ([\d.]+) scaled to ([\d.]+) with the leverage \(margin "
                         r"kept at ([\d.]+)\)", scaled)  # fmt: skip
    assert found is not None, scaled
    asked, kept, margin = (float(value) for value in found.groups())
    assert asked == pytest.approx(QUANTITY * 67_500, rel=0.02)
    assert (kept, margin) == (pytest.approx(asked * 3 / 5), pytest.approx(asked / 5))
    assert capped == f"notional {kept:.2f} reduced to 20000.00 (max position notional 20000)"
    (fill,) = fills
    assert 0.28 < fill.quantity < 0.36
    # Every later entry (confidence 0.5) is denied by the confidence rule, named.
    assert len(later) == 5
    for event in later:
        assert (event["approved"], event["rule"]) == (False, "min_confidence")
        assert event["reason"] == "confidence 0.5 below the minimum 0.6"


def test_the_built_in_defaults_let_the_same_entries_through_as_asked(
    world: tuple[str, str],
) -> None:
    url, llm_url = world
    context = open_at(url, llm_url)
    try:
        season = seasons.create_season(context, values("as-ever", ["trader"]))
        seasons.run_season(context, season.id)
        fills, events = trader_ledger(context, season.id)
        stored = SeasonStore(context.engine).get(season.id).config
    finally:
        context.close()
    (fill,) = fills
    assert fill.quantity == QUANTITY  # 5x is within the default limit of 10
    assert [event["rule"] for event in events] == ["pyramiding"] * 5  # not the confidence
    assert (stored["risk_preset"], stored["risk_config"]) == (None, None)


def test_the_season_beats_the_config_file_which_beats_the_defaults_and_both_are_kept(
    world: tuple[str, str], tmp_path: Path
) -> None:
    url, _ = world
    config_file = tmp_path / "arena.toml"
    config_file.write_text(
        "[risk]\nmax_leverage = 4\nmin_confidence = 0.3\n\n[regime]\ntrend_adx = 30\n"
    )
    context = open_at(url, config_file=config_file)
    try:
        filed = seasons.create_season(context, values("filed", ["trader"]))
        preset = seasons.create_season(context, values(
            "preset", ["trader"], risk_preset="conservative",
            risk_config={"risk": {"min_confidence": 0.7}}, risk={"max_position_notional": 500},
        ))  # fmt: skip
    finally:
        context.close()
    config_file.write_text("[risk]\nmax_leverage = 2\n")  # changed later: stored seasons keep
    context = open_at(url, config_file=None)
    try:
        store = SeasonStore(context.engine)
        filed_config = parse_season_config(store.get(filed.id).config)
        preset_config = parse_season_config(store.get(preset.id).config)
    finally:
        context.close()
    limits = filed_config.limits()
    assert (limits.max_leverage, limits.min_confidence, limits.max_position_notional) == (
        4.0, 0.3, None)  # fmt: skip
    assert filed_config.profile().regime.trend_adx == 30.0
    limits = preset_config.limits()
    # The preset beats the file (3x), the season's table the preset (0.7), --risk them all.
    assert (limits.max_leverage, limits.min_confidence, limits.max_position_notional) == (
        3.0, 0.7, 500.0)  # fmt: skip
    assert preset_config.profile().regime.trend_adx == 30.0  # the file's, which nothing beat


def test_a_bad_config_file_is_one_line_and_stores_no_season(
    world: tuple[str, str], tmp_path: Path
) -> None:
    url, _ = world
    config_file = tmp_path / "arena.toml"
    config_file.write_text("[regime]\nsqueeze_percentile = 120\n")
    context = open_at(url, config_file=config_file)
    try:
        before = len(SeasonStore(context.engine).all())
        with pytest.raises(InvalidInputError) as raised:
            seasons.create_season(context, values("never", ["trader"]))
        assert len(SeasonStore(context.engine).all()) == before
    finally:
        context.close()
    assert str(raised.value) == (
        f"ARENA_CONFIG_FILE {config_file}: regime.squeeze_percentile = 120: Input should be "
        "less than or equal to 100"
    )


def test_a_portfolio_entry_pins_the_seasons_regime_thresholds(world: tuple[str, str]) -> None:
    url, _ = world
    context = open_at(url)
    try:
        plain = seasons.create_season(context, values("plain", ["blend"]))
        tuned = seasons.create_season(
            context,
            values("tuned", ["blend"], risk_config={"regime": {"trend_adx": 40.0, "window": 50}}),
        )
        store = SeasonStore(context.engine)
        (plain_entry,) = store.entries(plain.id)
        (tuned_entry,) = store.entries(tuned.id)
    finally:
        context.close()
    assert "regime" not in plain_entry.config["pinned"]  # untuned: as every season before
    assert tuned_entry.config["pinned"]["regime"] == {
        "trend_adx": 40.0, "squeeze_percentile": 20.0, "window": 50}  # fmt: skip
    assert tuned_entry.fingerprint != plain_entry.fingerprint
