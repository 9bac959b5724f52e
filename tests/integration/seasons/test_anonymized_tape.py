"""An anonymized season (the memorization guard) on both databases: a one-day replay of the six
perpetuals with a scripted LLM trader and a strategy selector (a loopback server speaking the
OpenAI protocol), a rule agent and the baselines, run beside the same season without the option.

Every prompt the models were sent is scanned for real coin names, real dates and epoch times,
and real price levels; the same scan finds all three in the plain season's prompts. The rule
agent's ledger, and the selector's (its answers name masked coins), are identical with and
without the option; the trader's stops come back as the real closes it was shown, masked."""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from alpha_arena.core.clock import SimClock
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.marketdata.service import DataService
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.season_store import SeasonStore
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.fake_llm import FakeAnswer, FakeLlmServer, ReceivedRequest
from tests.support.sample import PERPETUALS, sample_subset

FILES = [f"binance_usdm_{symbol.split('/')[0]}USDT_{kind}.csv.gz"
         for symbol in PERPETUALS for kind in ("1h", "funding_8h")]  # fmt: skip
START, END = "2024-06-01", "2024-06-02"
TICKS = 24
HOUR = 3_600_000
STOP_CLOSES = 3  # the trader's stop: the lowest of the last three closes it was shown
TARGET = 1.004  # the trader's target: 0.4% above the price
SELECTOR_BRIEF = "You choose which rule-based strategy"
NAMES = re.compile(
    r"(?i)(?<![a-z0-9])(btc|eth|sol|bnb|doge|xrp|bitcoin|ethereum|solana|dogecoin|ripple|"
    r"binance)(?![a-z0-9])"
)
DATE = re.compile(r"(?<!\d)(\d{4})-\d{2}-\d{2}")
REAL_YEAR = re.compile(r"(?<![\d.])(2023|2024|2025|2026)(?![\d.])")
INTEGER = re.compile(r"(?<![\d.])\d{12,14}(?![\d.])")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
COIN_BLOCK = re.compile(r"=== (\S+?)/USDT:USDT ===\ncurrent price: ([^,\n]+).*?\ncloses: ([^\n]*)",
                        re.DOTALL)  # fmt: skip


def scripted(request: ReceivedRequest) -> FakeAnswer:
    """The selector picks ema_trend for every coin it is shown. The trader, flat, buys the
    first coin shown at 10x with its stop at the lowest of the last three closes it was shown
    and its target 0.4% above the price; holding, it holds. Equal prompts get equal
    answers."""
    system, user = (message["content"] for message in request.body["messages"][:2])
    if system.startswith(SELECTOR_BRIEF):
        coins = re.findall(r"^(\S+): ADX14", user, re.MULTILINE)
        return FakeAnswer(
            json.dumps(
                {"reasoning": "trends everywhere", "selections": dict.fromkeys(coins, "ema_trend")}
            )
        )
    found = COIN_BLOCK.search(user)
    assert found is not None, user
    coin, price = found.group(1), float(found.group(2))
    closes = [float(value) for value in found.group(3).split(", ")][-STOP_CLOSES:]
    if "open positions: none" in user and min(closes) < price:
        decision = {"coin": coin, "signal": "buy_to_enter", "notional": 1_000, "leverage": 10,
                    "profit_target": float(f"{price * TARGET:.6g}"), "stop_loss": min(closes),
                    "invalidation_condition": "a close below the stop", "confidence": 0.6,
                    "justification": "scripted dip buy"}  # fmt: skip
    else:
        decision = {"coin": coin, "signal": "hold", "justification": "scripted wait"}
    return FakeAnswer(json.dumps({"reasoning": "scripted", "decisions": [decision]}))


@dataclass(frozen=True)
class Played:
    url: str
    anonymized: int  # trader, picker, rules and the baselines, anonymized
    plain: int  # the same, not
    rules_anonymized: int  # the rule agent and the baselines only, anonymized
    rules_plain: int
    requests: int  # requests the model server received


@pytest.fixture(scope="module", params=BACKENDS)
def played(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Played]:
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("DEEPSEEK_API_KEY", "test-key")
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url, \
            FakeLlmServer(api_key="test-key") as model:  # fmt: skip
        model.respond_with(scripted)
        settings = Settings(_env_file=None, database_url=url,
                            llm_base_url=model.openai_base_url, llm_max_retries=0)  # fmt: skip
        context = open_context(settings, clock=SimClock(parse_ts("2026-01-01")))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
            add_agent(context, "rules", {"kind": "strategy", "strategy": "ema_trend",
                                         "params": {"fast": "5", "slow": "20"}})  # fmt: skip
            add_agent(context, "trader", {"kind": "llm", "provider": "deepseek", "model": "m"})
            add_agent(context, "picker", {"kind": "selector", "provider": "deepseek",
                                          "model": "m", "strategies": ["ema_trend"],
                                          "reselect_every": 12})  # fmt: skip
            everyone = ["rules", "trader", "picker"]
            anonymized = create(context, "anonymized", everyone, anonymize=True)
            # Stopped and resumed: the resumed runner re-executes its ticks from the cache,
            # and only the same prompts (the same secret) find the answers there.
            seasons.run_season(context, anonymized, stop_after=TICKS // 2)
            seasons.run_season(context, anonymized)
            plain = create(context, "plain", everyone, anonymize=False)
            seasons.run_season(context, plain)
            rules_anonymized = create(context, "rules anonymized", ["rules"], anonymize=True)
            rules_plain = create(context, "rules plain", ["rules"], anonymize=False)
            seasons.run_season(context, rules_anonymized)
            seasons.run_season(context, rules_plain)
        finally:
            context.close()
        yield Played(url, anonymized, plain, rules_anonymized, rules_plain, model.count)
    monkeypatch.undo()


def create(context: AppContext, name: str, participants: list[str], anonymize: bool) -> int:
    return seasons.create_season(context, {
        "name": name, "symbols": list(PERPETUALS), "start": parse_ts(START),
        "end": parse_ts(END), "participants": participants, "anonymize": anonymize,
    }).id  # fmt: skip


@pytest.fixture
def store(played: Played) -> Iterator[SeasonStore]:
    context = open_context(settings_for(played.url))
    try:
        yield SeasonStore(context.engine)
    finally:
        context.close()


def entry_id(store: SeasonStore, season_id: int, name: str) -> int:
    return next(entry.id for entry in store.entries(season_id) if entry.name == name)


def prompts(store: SeasonStore, season_id: int) -> list[str]:
    """Every system and user message the season's models were sent."""
    texts = []
    for name in ("trader", "picker"):
        for _, call in store.llm_calls(entry_id(store, season_id, name)):
            texts += [m["content"] for m in call.messages if m["role"] in ("system", "user")]
    return texts


class RealLevels:
    """Every real open, high, low and close of the six coins from three days before the season
    to its end (the closes shown at its first decision included)."""

    def __init__(self, url: str) -> None:
        context = open_context(settings_for(url))
        try:
            data = DataService(context.market, "binance")
            values: list[float] = []
            for symbol in PERPETUALS:
                bars = data.candles(symbol, "1h", parse_ts(START) - 72 * HOUR, parse_ts(END))
                values += np.concatenate([bars.open, bars.high, bars.low, bars.close]).tolist()
        finally:
            context.close()
        self.sorted = sorted(values)

    def near(self, value: float, tolerance: float = 0.005) -> bool:
        """Whether ``value`` is within ``tolerance`` (relative) of a real level."""
        at = bisect.bisect_left(self.sorted, value * (1 - tolerance))
        return at < len(self.sorted) and self.sorted[at] <= value * (1 + tolerance)


def price_fields(prompt: str) -> list[float]:
    """The price levels a trader's prompt shows: each coin's price, closes and EMA20 series,
    its higher timeframe's EMAs, and the positions' entry, mark, liquidation, take-profit and
    stop-loss prices."""
    numbers: list[str] = []
    for line in prompt.splitlines():
        if line.startswith(("current price:", "closes:", "EMA20:")):
            head = line.split(", funding rate")[0] if line.startswith("current") else line
            numbers += NUMBER.findall(head.split(":", 1)[1])
        elif " context: EMA20 " in line:
            numbers += NUMBER.findall(line.split("; ATR3")[0].split("context:", 1)[1])
        elif line.startswith("- ") and " at " in line:
            levels = re.findall(r"(?: at | \(mark |liquidation |take profit |stop loss )"
                                r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)", line)  # fmt: skip
            numbers += levels
    return [float(number) for number in numbers]


@dataclass
class Leaks:
    names: set[str]
    dates: set[str]
    epoch_times: set[str]
    prices: set[float]


def scan(texts: list[str], levels: RealLevels) -> Leaks:
    leaks = Leaks(set(), set(), set(), set())
    for text in texts:
        leaks.names |= {match.lower() for match in NAMES.findall(text)}
        leaks.dates |= {year for year in DATE.findall(text) if int(year) < 2100}
        leaks.dates |= set(REAL_YEAR.findall(text))
        leaks.epoch_times |= {n for n in INTEGER.findall(text) if 1.5e12 <= int(n) <= 1.9e12}
        # Price levels above 0.05: below, the six coins' real levels are only DOGE's, and
        # RSI, funding and MACD values live there too.
        leaks.prices |= {v for v in price_fields(text) if v > 0.05 and levels.near(v)}
    return leaks


def test_no_prompt_of_the_anonymized_season_shows_a_real_coin_date_or_price(
    played: Played, store: SeasonStore
) -> None:
    levels = RealLevels(played.url)
    masked = prompts(store, played.anonymized)
    plain = prompts(store, played.plain)
    assert len(masked) >= 2 * TICKS and len(plain) >= 2 * TICKS
    assert sum(1 for text in masked if "open positions:\n" in text) >= 3  # positions shown
    assert sum(len(price_fields(text)) for text in masked) > 1_000

    # The scan is no formality: in the plain season it finds every kind of leak.
    found = scan(plain, levels)
    assert {"btc", "eth", "sol", "bnb", "doge", "xrp", "binance"} <= found.names
    assert "2024" in found.dates and len(found.prices) > 100

    leaks = scan(masked, levels)
    assert leaks == Leaks(set(), set(), set(), set())
    assert all("COIN-A" in text for text in masked if not text.startswith(SELECTOR_BRIEF))
    assert all("an exchange" in text for text in masked if text.startswith("You are"))


def test_the_secret_never_reaches_a_prompt_and_replays_found_their_answers(
    played: Played, store: SeasonStore
) -> None:
    season = store.get(played.anonymized)
    secret = season.config["tape_seed"]
    assert isinstance(secret, str) and len(secret) >= 16
    assert store.get(played.plain).config["tape_seed"] is None
    assert not any(secret in text for text in prompts(store, played.anonymized))
    # Each prompt was asked once: the resumed runner's re-executed ticks read the cache.
    calls = [call for s in (played.anonymized, played.plain) for name in ("trader", "picker")
             for _, call in store.llm_calls(entry_id(store, s, name))]  # fmt: skip
    assert played.requests == sum(1 for call in calls if not call.cached) > 2 * TICKS


def entry_ledger(store: SeasonStore, season_id: int, name: str) -> str:
    """A digest of one entry's fills and equity snapshots (what ``ledger_hash`` hashes)."""
    entry = entry_id(store, season_id, name)
    digest = hashlib.sha256()
    for fill in store.fills(entry):
        digest.update(f"{fill.ts} {fill.symbol} {fill.side} {fill.quantity!r} {fill.price!r} "
                      f"{fill.fee!r} {fill.realized_pnl!r}\n".encode())  # fmt: skip
    for row in store.equity(entry):
        digest.update(f"{row['tick']} {row['ts']} {row['equity']!r}\n".encode())
    return digest.hexdigest()


def test_rule_agents_and_the_selector_trade_the_same_with_and_without_the_option(
    played: Played, store: SeasonStore
) -> None:
    assert store.ledger_hash(played.rules_anonymized) == store.ledger_hash(played.rules_plain)
    for name in ("rules", "picker", "btc-buy-and-hold", "equal-weight-hold"):
        assert entry_ledger(store, played.anonymized, name) == entry_ledger(
            store, played.plain, name
        ), name
    # The selector chose a strategy for each real coin, from answers naming masked ones.
    picker = entry_id(store, played.anonymized, "picker")
    assert store.fills(picker), "the selector's strategy never traded"
    (_, first), *_ = store.llm_calls(picker)
    assert first.parsed_decision == {"selections": dict.fromkeys(PERPETUALS, "ema_trend")}
    assert "COIN-" in (first.raw_response or "") and "BTC" not in (first.raw_response or "")


def test_the_traders_stops_and_targets_come_back_as_real_prices(
    played: Played, store: SeasonStore
) -> None:
    context = open_context(settings_for(played.url))
    try:
        data = DataService(context.market, "binance")
        instruments = {item.symbol: item for item in context.market.instruments("binance")}
        trader = entry_id(store, played.anonymized, "trader")
        decisions = {row["tick"]: row for row in store.decisions(trader)}
        orders = store.orders(trader)
        entries = [order for order in orders if not order["reduce_only"]]
        assert len(entries) >= 3
        for entry in entries:
            decision = decisions[entry["tick"]]
            (action,) = decision["actions"]
            symbol, tick_size = action["symbol"], instruments[action["symbol"]].price_tick
            assert symbol == entry["symbol"] and symbol in PERPETUALS
            # The model wrote the lowest close it was shown (masked): the real lowest close,
            # on the instrument's grid (exactly the close where the data is on the grid; a
            # nearest tick where it is not, either one for a close halfway between two).
            bars = data.candles(symbol, "1h", decision["ts"] - STOP_CLOSES * HOUR,
                                decision["ts"] - HOUR)  # fmt: skip
            lowest = float(bars.close.min())
            stop = Decimal(repr(action["stop_loss"]))
            assert stop % Decimal(repr(tick_size)) == 0
            assert abs(stop - Decimal(repr(lowest))) <= Decimal(repr(tick_size)) / 2
            if symbol != "SOL/USDT:USDT":  # SOL's data has a decimal more than its tick
                assert action["stop_loss"] == lowest
            # Its target was 0.4% above the masked price: 0.4% above the real one.
            price = float(bars.close[-1])
            assert abs(action["take_profit"] - price * TARGET) <= price * 1e-5 + tick_size
            prefix = entry["client_order_id"] + "-"
            exits = {o["tag"]: o for o in orders if o["client_order_id"].startswith(prefix)}
            instrument = instruments[symbol]
            if entry["tick"] == TICKS - 1:  # its exits would be placed on a bar after the end
                assert exits == {}
            else:
                assert exits["stop_loss"]["trigger_price"] == instrument.on_tick(
                    action["stop_loss"]
                )
                assert exits["take_profit"]["trigger_price"] == instrument.on_tick(
                    action["take_profit"]
                )
            assert action["quantity"] is None and entry["leverage"] == 10
            # 1,000 USD of the coin (the notional is not masked), to its amount step.
            step = instrument.amount_step * price
            assert abs(entry["quantity"] * price - 1_000) <= step + 10
    finally:
        context.close()


def test_the_option_is_stored_with_the_season_and_shown_without_its_secret(
    played: Played, store: SeasonStore
) -> None:
    from alpha_arena.seasons.config import public_config

    config = store.get(played.anonymized).config
    assert config["anonymize"] is True
    shown: dict[str, Any] = public_config(config)
    assert "tape_seed" not in shown and shown["anonymize"] is True
    assert store.get(played.plain).config["anonymize"] is False
