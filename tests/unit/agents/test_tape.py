"""The anonymized tape: every price on an instrument's grid comes back exactly through the
agent's text; masked bands keep clear of every real range; names, times and quantities are
disguised consistently and the context's unitless values are left alone."""

from __future__ import annotations

import json
import math
import re
from dataclasses import fields, replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.agents.context import Standing
from alpha_arena.agents.llm.prompts import default_template, render, sample_context
from alpha_arena.agents.tape import HIDDEN_EXCHANGE, MARGIN, REACH, TapeMask
from alpha_arena.core.errors import AgentError, InvalidInputError
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision

# The bundled instruments' ticks and their 2024 price ranges (a wide year, little room).
TICKS = {
    "BTC/USDT:USDT": 0.1, "ETH/USDT:USDT": 0.01, "SOL/USDT:USDT": 0.01,
    "BNB/USDT:USDT": 0.01, "DOGE/USDT:USDT": 0.00001, "XRP/USDT:USDT": 0.0001,
}  # fmt: skip
RANGES = {
    "BTC/USDT:USDT": (38_555.0, 108_353.0), "ETH/USDT:USDT": (2_100.0, 4_107.0),
    "SOL/USDT:USDT": (79.0, 264.0), "BNB/USDT:USDT": (222.0, 793.0),
    "DOGE/USDT:USDT": (0.0757, 0.4843), "XRP/USDT:USDT": (0.38, 2.9),
}  # fmt: skip
BTC = "BTC/USDT:USDT"
WEEK_MS = 7 * 86_400_000


def grid(ticks: int, tick: float) -> float:
    """The price ``ticks`` ticks above zero, as its decimal text reads (``float("42503.5")``)."""
    return float(Decimal(ticks) * Decimal(repr(tick)))


secrets = st.text(min_size=1, max_size=40)
tick_sizes = st.sampled_from([0.1, 0.01, 0.001, 0.0001, 0.00001, 1e-8, 0.5, 0.25, 0.005, 1.0, 5.0])


@settings(max_examples=300, deadline=None)
@given(secret=secrets, tick=tick_sizes, ticks=st.integers(1, 10**10),
       low=st.floats(1e-6, 1e6), spread=st.floats(1.0, 50.0))  # fmt: skip
def test_every_price_on_the_grid_comes_back_exactly_through_the_agents_text(
    secret: str, tick: float, ticks: int, low: float, spread: float
) -> None:
    tape = TapeMask.create(secret, {"X/USDT:USDT": tick}, {"X/USDT:USDT": (low, low * spread)})
    price = grid(ticks, tick)
    shown = tape.mask_price("X/USDT:USDT", price)
    # The model reads the number as the prompt prints it and writes it back in its JSON.
    written = json.loads(json.dumps({"stop_loss": float(str(shown))}))["stop_loss"]
    assert tape.unmask_price("X/USDT:USDT", written) == price


@settings(max_examples=200, deadline=None)
@given(secret=secrets, symbol=st.sampled_from(sorted(TICKS)), ticks=st.integers(1, 10**8))
def test_the_bundled_instruments_prices_come_back_exactly(
    secret: str, symbol: str, ticks: int
) -> None:
    tape = TapeMask.create(secret, TICKS, RANGES)
    price = grid(ticks, TICKS[symbol])
    assert tape.unmask_price(symbol, tape.mask_price(symbol, price)) == price


def test_a_price_the_agent_makes_up_lands_on_the_nearest_tick() -> None:
    tape = TapeMask.create("s", TICKS, RANGES)
    (coin,) = [c for c in tape.coins if c.symbol == BTC]
    made_up = 67_890.04 * coin.factor * 1.0000001  # between shown prices
    assert tape.unmask_price(BTC, made_up) == 67_890.0


@settings(max_examples=200, deadline=None)
@given(secret=secrets)
def test_masked_bands_keep_clear_of_every_real_range(secret: str) -> None:
    tape = TapeMask.create(secret, TICKS, RANGES)
    for coin in tape.coins:
        low, high = RANGES[coin.symbol]
        # What is shown near this coin: its range widened by the reach (exit plans, stops).
        shown_low, shown_high = low / REACH * coin.factor, high * REACH * coin.factor
        for real_low, real_high in RANGES.values():
            apart = shown_low > real_high * MARGIN * 0.999 or shown_high < real_low / MARGIN * 1.001
            assert apart, (coin, real_low, real_high)


def test_masked_levels_prefer_readable_magnitudes_and_go_above_all_when_crowded() -> None:
    # One coin with a narrow range: there is room between 1 and a million.
    narrow = TapeMask.create("s", {BTC: 0.1}, {BTC: (60_000.0, 70_000.0)})
    (coin,) = narrow.coins
    assert 60_000 / REACH * coin.factor >= 1 and 70_000 * REACH * coin.factor <= 1e6
    # Real ranges filling every decade from 1 to a million: above them all.
    crowded = {f"C{i}/USDT:USDT": (10.0**i, 10.0 ** (i + 1)) for i in range(7)}
    tape = TapeMask.create("s", {"C0/USDT:USDT": 0.01}, crowded)
    assert 1.0 * tape.coins[0].factor / REACH > 1e7 * MARGIN


def test_coins_are_named_in_an_order_drawn_from_the_secret() -> None:
    orders = set()
    for secret in ("a", "b", "c", "d", "e", "f"):
        tape = TapeMask.create(secret, TICKS, RANGES)
        names = [coin.masked for coin in tape.coins]
        assert names == [f"COIN-{letter}/USDT:USDT" for letter in "ABCDEF"]
        orders.add(tuple(coin.symbol for coin in tape.coins))
        for coin in tape.coins:
            assert tape.unmask_symbol(tape.mask_symbol(coin.symbol)) == coin.symbol
    assert len(orders) > 1  # not the listed order every time
    assert TapeMask.create("a", TICKS, RANGES) == TapeMask.create("a", TICKS, RANGES)


def test_times_move_by_whole_weeks_into_another_century() -> None:
    real = 1_717_200_000_000  # 2024-06-01, a Saturday
    for secret in ("a", "b", "c"):
        tape = TapeMask.create(secret, TICKS, RANGES)
        assert tape.ts_offset % WEEK_MS == 0
        shown = datetime.fromtimestamp(tape.mask_ts(real) / 1000, UTC)
        assert shown.year > 2150 and shown.weekday() == 5 and shown.hour == 0
        assert tape.unmask_ts(tape.mask_ts(real)) == real


def test_the_masked_context_shows_no_real_coin_date_or_price_level() -> None:
    tape = TapeMask.create("context", TICKS, RANGES)
    real = sample_context()
    shown = tape.mask_context(real)
    coin, real_coin = shown.coins[0], real.coins[0]
    (masked,) = [c for c in tape.coins if c.symbol == BTC]
    factor = masked.factor
    assert coin.symbol == masked.masked
    assert coin.ts_last_close == real_coin.ts_last_close + tape.ts_offset
    assert coin.price == pytest.approx(real_coin.price * factor, rel=1e-6)
    assert coin.closes == tuple(tape.mask_price(BTC, p) for p in real_coin.closes)
    unit = 10.0**-masked.decimals  # what the masked grid resolves: a tenth of a tick or less
    assert coin.macd[0] == pytest.approx(real_coin.macd[0] * factor, abs=unit)
    assert coin.higher is not None and real_coin.higher is not None
    assert coin.higher.atr14 == pytest.approx(real_coin.higher.atr14 * factor, abs=unit)
    assert coin.higher.volume == pytest.approx(real_coin.higher.volume / factor, rel=1e-7)
    assert coin.open_interest == pytest.approx(81_000.0 / factor, rel=1e-7)
    # Unitless values and the account in USD are the real ones.
    assert (coin.rsi7, coin.rsi14, coin.funding_rate) == (
        real_coin.rsi7, real_coin.rsi14, real_coin.funding_rate,
    )  # fmt: skip
    position, real_position = shown.account.positions[0], real.account.positions[0]
    assert position.symbol == masked.masked
    assert position.quantity * position.entry_price == pytest.approx(
        real_position.quantity * real_position.entry_price, rel=1e-6
    )  # the notional is true
    assert position.stop_loss == tape.mask_price(BTC, 61_000.0)
    assert position.unrealized_pnl == real_position.unrealized_pnl
    assert replace(shown.account, positions=()) == replace(real.account, positions=())
    # The standings pass through, a baseline's name without its coin.
    assert [s.name for s in shown.standings] == ["rival-model", "sample-agent", "COIN-buy-and-hold"]
    assert [s.return_pct for s in shown.standings] == [s.return_pct for s in real.standings]

    prompt = render(default_template(), shown, HIDDEN_EXCHANGE)
    text = tape.scrub(prompt.system) + tape.scrub(prompt.user)
    assert not re.search(r"(?i)\b(BTC|ETH|SOL|BNB|DOGE|XRP|bitcoin|binance)\b", text)
    assert "2025" not in text and "2024" not in text
    assert "64100" not in text and "64,100" not in text


def test_every_field_of_a_context_is_either_masked_or_passed_on() -> None:
    """A field added to the context passes through ``replace``: the mask names its fields."""
    known = {"ts", "timeframe", "coins", "account", "standings"}
    assert {f.name for f in fields(sample_context())} == known


def test_the_decision_comes_back_in_real_symbols_time_prices_and_quantities() -> None:
    tape = TapeMask.create("decision", TICKS, RANGES)
    (coin,) = [c for c in tape.coins if c.symbol == "ETH/USDT:USDT"]
    ts = tape.mask_ts(1_717_200_000_000)
    shown_stop, shown_target = tape.mask_price(coin.symbol, 3_712.34), 3_900.0 * coin.factor
    decision = Decision(ts, (
        SymbolDecision(coin.masked, Signal.BUY_TO_ENTER, quantity=2.0, leverage=3,
                       take_profit=shown_target, stop_loss=shown_stop, invalidation="below 40"),
        SymbolDecision(coin.masked, Signal.HOLD, notional=500.0),
    ), "why")  # fmt: skip
    real = tape.unmask_decision(decision)
    entry, hold = real.actions
    assert real.ts == 1_717_200_000_000 and real.reasoning == "why"
    assert entry.symbol == hold.symbol == "ETH/USDT:USDT"
    assert entry.stop_loss == 3_712.34 and entry.take_profit == 3_900.0
    assert entry.quantity == pytest.approx(2.0 * coin.factor)
    assert entry.quantity * 3_712.34 == pytest.approx(2.0 * shown_stop, rel=1e-6)
    assert (entry.leverage, entry.invalidation) == (3, "below 40")
    assert (hold.notional, hold.take_profit, hold.quantity) == (500.0, None, None)


def test_unknown_coins_and_bad_inputs_fail_in_one_line() -> None:
    tape = TapeMask.create("s", TICKS, RANGES)
    with pytest.raises(AgentError, match="not a coin of this tape"):
        tape.unmask_decision(Decision(0, (SymbolDecision("BTC/USDT:USDT", Signal.HOLD),)))
    with pytest.raises(AgentError, match="no mask for a coin"):
        tape.mask_price("PEPE/USDT:USDT", 1.0)
    with pytest.raises(InvalidInputError, match="no price range for BTC"):
        TapeMask.create("s", {BTC: 0.1}, {})
    with pytest.raises(InvalidInputError, match="needs a secret"):
        TapeMask.create("", {BTC: 0.1}, RANGES)
    with pytest.raises(InvalidInputError, match="price tick of BTC"):
        TapeMask.create("s", {BTC: 0.0}, RANGES)
    with pytest.raises(InvalidInputError, match="not positive"):
        TapeMask.create("s", {BTC: 0.1}, {BTC: (-1.0, 2.0)})


def test_scrub_replaces_whole_coin_names_in_any_case_by_names_that_tell_nothing() -> None:
    for secret in ("a", "b", "c"):  # whichever masked name BTC has
        tape = TapeMask.create(secret, TICKS, RANGES)
        text = 'Trade BTC, eth and btc-buy-and-hold; {"coin": "BTC"}; METHOD BTCX solid 0.5 SOL.'
        assert tape.scrub(text) == (
            'Trade COIN, COIN and COIN-buy-and-hold; {"coin": "COIN-A"}; METHOD BTCX solid 0.5 '
            "COIN."
        )
        assert tape.example_coin == "COIN-A"
    only_eth = TapeMask.create("s", {"ETH/USDT:USDT": 0.01}, RANGES)
    assert only_eth.scrub('"XRP" and "Eth"') == '"COIN-A" and "COIN-A"'


def test_standings_names_are_scrubbed_and_nothing_else_of_them_changes() -> None:
    tape = TapeMask.create("s", TICKS, RANGES)
    standing = Standing(1, "doge-maxi", 12.5, 11_250.0, True)
    context = replace(sample_context(), standings=(standing,))
    (shown,) = tape.mask_context(context).standings
    assert shown == replace(standing, name=tape.scrub("doge-maxi"))
    assert not math.isnan(shown.return_pct) and shown.name == "COIN-maxi"
