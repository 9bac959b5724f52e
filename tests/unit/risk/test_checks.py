"""Pre-trade checks: one parametrized test per rule, clamps, the daily kill switch, and a property
that no approved entry breaks a limit."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.core.time import DAY_MS, HOUR_MS
from alpha_arena.domain.decisions import Signal, SymbolDecision
from alpha_arena.domain.instrument import Instrument, MarketType
from alpha_arena.domain.positions import ExitPlan, Position
from alpha_arena.risk.checks import RiskContext, RiskRule, RiskVerdict, check, daily_loss
from alpha_arena.risk.limits import RiskLimits, TradingDay

T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
PRICES = {BTC: 50_000.0, ETH: 2_500.0}
BUY, SELL = Signal.BUY_TO_ENTER, Signal.SELL_TO_ENTER

INSTRUMENT = Instrument(
    exchange="binance",
    symbol=BTC,
    market_type=MarketType.SWAP,
    base="BTC",
    quote="USDT",
    settle="USDT",
    price_tick=0.1,
    amount_step=0.001,
    min_amount=0.001,
    min_notional=5.0,
    max_leverage=20.0,
    maker_fee=0.0002,
    taker_fee=0.0005,
    maintenance_margin_rate=0.005,
)


def position(symbol: str = BTC, quantity: float = 0.02, entry: float | None = None) -> Position:
    price = PRICES[symbol] if entry is None else entry
    return Position(symbol, quantity, price, abs(quantity) * price / 2, 2.0, 0.005, T0, ExitPlan())


def context(
    *,
    equity: float = 10_000.0,
    free_cash: float = 10_000.0,
    day_start_equity: float = 10_000.0,
    day_low_equity: float | None = None,
    positions: dict[str, Position] | None = None,
    prices: dict[str, float] | None = None,
    instrument: Instrument = INSTRUMENT,
) -> RiskContext:
    return RiskContext(
        ts=T0 + 12 * HOUR_MS,
        equity=equity,
        free_cash=free_cash,
        day_start_equity=day_start_equity,
        positions=positions or {},
        prices=PRICES if prices is None else prices,
        instrument=instrument,
        day_low_equity=day_low_equity,
    )


def entry(signal: Signal = BUY, /, **fields: object) -> SymbolDecision:
    """A 1,000 USD entry on BTC at 2x unless ``fields`` say otherwise."""
    values: dict[str, object] = {"notional": 1_000.0, "leverage": 2.0, **fields}
    return SymbolDecision(symbol=BTC, signal=signal, **values)  # type: ignore[arg-type]


def run(
    decision: SymbolDecision, limits: RiskLimits | None = None, **overrides: object
) -> RiskVerdict:
    return check(decision, context(**overrides), limits or RiskLimits())  # type: ignore[arg-type]


def assert_denied(verdict: RiskVerdict, rule: RiskRule, reason: str = "") -> None:
    assert not verdict.approved
    assert verdict.rule is rule, verdict.reason
    assert reason in verdict.reason


def assert_approved(verdict: RiskVerdict) -> None:
    assert verdict.approved, verdict.reason
    assert (verdict.reason, verdict.rule) == ("", None)


# --- HOLD and CLOSE -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "decision",
    [SymbolDecision(BTC, Signal.HOLD), SymbolDecision("NOPE/USDT:USDT", Signal.HOLD, leverage=-1)],
    ids=["plain", "unknown_symbol_and_nonsense_leverage"],
)
def test_hold_is_always_approved_unchanged_even_with_the_kill_switch_on(
    decision: SymbolDecision,
) -> None:
    verdict = run(decision, RiskLimits(daily_loss_limit=0.01), equity=5_000.0)
    assert_approved(verdict)
    assert verdict.decision is decision


@pytest.mark.parametrize(
    ("positions", "approved"),
    [({BTC: position()}, True), ({}, False), ({ETH: position(ETH)}, False)],
    ids=["open_position", "no_position", "position_on_another_symbol"],
)
def test_close_is_approved_only_with_an_open_position(
    positions: dict[str, Position], approved: bool
) -> None:
    verdict = run(SymbolDecision(BTC, Signal.CLOSE), positions=positions)
    assert verdict.approved is approved
    if not approved:
        assert_denied(verdict, RiskRule.NO_POSITION, f"no open position on {BTC}")


# --- one rule at a time -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("confidence", "approved"),
    [(0.6, True), (0.9, True), (0.59, False), (math.nan, False)],
)
def test_min_confidence_denies_entries_below_the_minimum(confidence: float, approved: bool) -> None:
    verdict = run(entry(confidence=confidence), RiskLimits(min_confidence=0.6))
    assert verdict.approved is approved
    if not approved:
        assert_denied(verdict, RiskRule.MIN_CONFIDENCE, "below the minimum 0.6")


@pytest.mark.parametrize(
    ("signal", "held", "pyramiding", "reason"),
    [
        (BUY, None, False, ""),
        (BUY, 0.02, True, ""),
        (SELL, -0.02, True, ""),
        (BUY, 0.02, False, "position already open on BTC/USDT:USDT; pyramiding is off"),
        (SELL, -0.02, False, "pyramiding is off"),
        (BUY, -0.02, True, "opposite position open on BTC/USDT:USDT; close it first"),
        (SELL, 0.02, False, "opposite position open"),
    ],
)
def test_pyramiding_rule_allows_one_position_per_symbol_unless_enabled(
    signal: Signal, held: float | None, pyramiding: bool, reason: str
) -> None:
    positions = {} if held is None else {BTC: position(quantity=held)}
    limits = RiskLimits(allow_pyramiding=pyramiding)
    verdict = run(entry(signal), limits, positions=positions)
    if reason:
        assert_denied(verdict, RiskRule.PYRAMIDING, reason)
    else:
        assert_approved(verdict)


@pytest.mark.parametrize(
    ("signal", "stop_loss", "required", "reason"),
    [
        (BUY, 49_000.0, True, ""),
        (SELL, 51_000.0, True, ""),
        (BUY, None, False, ""),
        (BUY, None, True, "a stop-loss is required"),
        (BUY, 51_000.0, False, "stop-loss 51000 must be below the price 50000 for a long"),
        (BUY, 50_000.0, False, "must be below the price"),
        (BUY, -1.0, False, "must be below the price"),
        (SELL, 49_000.0, False, "stop-loss 49000 must be above the price 50000 for a short"),
        (SELL, math.inf, False, "must be above the price"),
        (SELL, math.nan, False, "must be above the price"),
    ],
)
def test_stop_loss_must_be_on_the_losing_side_of_the_price(
    signal: Signal, stop_loss: float | None, required: bool, reason: str
) -> None:
    verdict = run(entry(signal, stop_loss=stop_loss), RiskLimits(require_stop_loss=required))
    if reason:
        assert_denied(verdict, RiskRule.STOP_LOSS, reason)
    else:
        assert_approved(verdict)


@pytest.mark.parametrize(
    ("fields", "rule", "reason"),
    [
        ({"stop_loss_fraction": 0.02, "take_profit_fraction": 0.05}, None, ""),
        ({"stop_loss_fraction": 0.02, "stop_loss": 49_000.0}, RiskRule.INVALID,
         "give a stop-loss price or a fraction, not both"),
        ({"take_profit_fraction": 0.05, "take_profit": 55_000.0}, RiskRule.INVALID,
         "give a take-profit price or a fraction, not both"),
        ({"stop_loss_fraction": 1.0}, RiskRule.STOP_LOSS, "stop-loss fraction 1 must be in (0, 1)"),
        ({"stop_loss_fraction": math.nan}, RiskRule.STOP_LOSS, "must be in (0, 1)"),
        ({"take_profit_fraction": 0.0}, RiskRule.TAKE_PROFIT,
         "take-profit fraction 0 must be in (0, 1)"),
    ],
    ids=["both-fractions", "stop-twice", "take-profit-twice", "stop-of-100%", "stop-nan",
         "take-profit-zero"],
)  # fmt: skip
def test_exits_as_fractions_of_the_fill_are_checked(
    fields: dict[str, object], rule: RiskRule | None, reason: str
) -> None:
    verdict = run(entry(**fields))
    if rule is None:
        assert_approved(verdict)
    else:
        assert_denied(verdict, rule, reason)


def test_a_stop_loss_fraction_meets_a_required_stop_loss() -> None:
    limits = RiskLimits(require_stop_loss=True)
    assert_approved(run(entry(stop_loss_fraction=0.03), limits))
    assert_denied(run(entry(), limits), RiskRule.STOP_LOSS, "a stop-loss is required")


@pytest.mark.parametrize(
    ("signal", "take_profit", "reason"),
    [
        (BUY, 55_000.0, ""),
        (SELL, 45_000.0, ""),
        (BUY, 45_000.0, "take-profit 45000 must be above the price 50000 for a long"),
        (SELL, 55_000.0, "take-profit 55000 must be below the price 50000 for a short"),
        (SELL, 0.0, "must be below the price"),
    ],
)
def test_take_profit_must_be_on_the_winning_side_of_the_price(
    signal: Signal, take_profit: float, reason: str
) -> None:
    verdict = run(entry(signal, take_profit=take_profit))
    if reason:
        assert_denied(verdict, RiskRule.TAKE_PROFIT, reason)
    else:
        assert_approved(verdict)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"quantity": 0.02, "notional": None}, ""),
        ({"notional": None}, "an entry needs a quantity or a notional"),
        ({"quantity": 0.02}, "give a quantity or a notional, not both"),
        ({"notional": -5.0}, "size must be a positive number, got -5.0"),
        ({"notional": math.inf}, "size must be a positive number"),
        ({"leverage": math.nan}, "leverage must be a positive number, got nan"),
        ({"leverage": 0.0}, "leverage must be a positive number"),
    ],
)
def test_malformed_entries_are_denied_as_invalid(fields: dict[str, object], reason: str) -> None:
    verdict = run(entry(**fields))
    if reason:
        assert_denied(verdict, RiskRule.INVALID, reason)
    else:
        assert_approved(verdict)


@pytest.mark.parametrize(
    ("prices", "instrument", "rule", "reason"),
    [
        ({ETH: 2_500.0}, INSTRUMENT, RiskRule.NO_PRICE, f"no usable price for {BTC}"),
        ({BTC: 0.0}, INSTRUMENT, RiskRule.NO_PRICE, "no usable price"),
        ({BTC: math.nan}, INSTRUMENT, RiskRule.NO_PRICE, "no usable price"),
        (
            PRICES,
            dataclasses.replace(INSTRUMENT, symbol=ETH),
            RiskRule.INVALID,
            f"no instrument for {BTC} (have {ETH})",
        ),
    ],
)
def test_entries_without_a_price_or_the_matching_instrument_are_denied(
    prices: dict[str, float], instrument: Instrument, rule: RiskRule, reason: str
) -> None:
    assert_denied(run(entry(), prices=prices, instrument=instrument), rule, reason)


@pytest.mark.parametrize(
    ("size", "reason"),
    [
        ({"notional": 8.0}, ""),
        ({"quantity": 0.002, "notional": None}, ""),
        ({"notional": 3.99}, "order of 0 BTC/USDT:USDT (0.00) is below the instrument minimum"),
        # 5.50 asks for 0.001375 BTC, which rounds down to 0.001 BTC: 4 USD.
        ({"notional": 5.5}, "order of 0.001 BTC/USDT:USDT (4.00) is below"),
        ({"quantity": 0.0009, "notional": None}, "minimum of 0.001 and 5 notional"),
    ],
)
def test_orders_below_the_instrument_minimum_after_rounding_are_denied(
    size: dict[str, object], reason: str
) -> None:
    verdict = run(entry(**size), prices={BTC: 4_000.0})
    if reason:
        assert_denied(verdict, RiskRule.MIN_NOTIONAL, reason)
    else:
        assert_approved(verdict)


@pytest.mark.parametrize(
    ("free_cash", "approved"),
    [(500.51, True), (600.0, True), (500.49, False)],
)
def test_margin_plus_taker_fee_must_fit_in_free_cash(free_cash: float, approved: bool) -> None:
    # 1,000 USD at 2x needs 500 of margin and 0.5 of taker fee.
    verdict = run(entry(notional=1_000.0, leverage=2.0), free_cash=free_cash)
    if approved:
        assert_approved(verdict)
    else:
        assert_denied(verdict, RiskRule.MARGIN, "insufficient margin: needs 500.50, free 500.49")


@pytest.mark.parametrize(("free_cash", "approved"), [(20.05, True), (20.04, False)])
def test_margin_is_checked_at_the_clamped_leverage_on_the_scaled_size(
    free_cash: float, approved: bool
) -> None:
    # 1,000 at 50x commits 20 of margin; clamped to 5x the size falls to 100, so that the same
    # 20 is committed (not 200, which no sizing for 50x would have left room for), + 0.05 fee.
    limits = RiskLimits(max_leverage=5.0)
    verdict = run(entry(notional=1_000.0, leverage=50.0), limits, free_cash=free_cash)
    assert verdict.adjustments == (
        "leverage 50 clamped to 5 (limit 5, instrument 20)",
        "notional 1000.00 scaled to 100.00 with the leverage (margin kept at 20.00)",
    )
    if approved:
        assert_approved(verdict)
        assert (verdict.decision.leverage, verdict.decision.notional) == (5.0, 100.0)
    else:
        assert_denied(verdict, RiskRule.MARGIN, "insufficient margin: needs 20.05, free 20.04")


@pytest.mark.parametrize("fee_rate", [None, 0.0, 0.002])
def test_margin_counts_the_fee_the_venue_charges(fee_rate: float | None) -> None:
    # 10,000 at 20x: 500 of margin, and a fee of 5 at the instrument's 0.05% taker fee,
    # 0 at a run's fee rate of 0, 20 at 0.2%. Free cash 504 fits only the run without fees.
    ctx = dataclasses.replace(context(free_cash=504.0), fee_rate=fee_rate)
    verdict = check(entry(notional=10_000.0, leverage=20.0), ctx, RiskLimits(max_leverage=20))
    if fee_rate == 0.0:
        assert_approved(verdict)
    else:
        needed = 505.0 if fee_rate is None else 520.0
        assert_denied(verdict, RiskRule.MARGIN, f"needs {needed:.2f}, free 504.00")


# --- clamps --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("leverage", "max_leverage", "expected", "adjustment"),
    [
        (3.0, 10.0, 3.0, None),
        (50.0, 10.0, 10.0, "leverage 50 clamped to 10 (limit 10, instrument 20)"),
        (50.0, 25.0, 20.0, "leverage 50 clamped to 20 (limit 25, instrument 20)"),
        (0.5, 10.0, 1.0, "leverage 0.5 raised to 1"),
    ],
)
def test_leverage_is_clamped_to_the_lower_of_limit_and_instrument_and_recorded(
    leverage: float, max_leverage: float, expected: float, adjustment: str | None
) -> None:
    verdict = run(entry(leverage=leverage), RiskLimits(max_leverage=max_leverage))
    assert_approved(verdict)
    assert verdict.decision.leverage == expected
    assert verdict.adjustments[:1] == (() if adjustment is None else (adjustment,))
    # Lowered, the size falls with it (the margin asked for is kept); raised, it stays.
    kept = 1_000.0 * min(expected / leverage, 1.0)
    assert verdict.decision.notional == pytest.approx(kept, abs=0.05)  # 0.001 BTC step


@pytest.mark.parametrize(
    ("size", "held", "expected"),
    [
        ({"notional": 1_500.0}, 0.0, {"notional": 1_500.0}),
        ({"notional": 5_000.0}, 0.0, {"notional": 2_000.0}),
        ({"quantity": 0.1, "notional": None}, 0.0, {"quantity": 0.04}),
        ({"notional": 5_000.0}, 0.02, {"notional": 1_000.0}),  # 1,000 held of the 2,000 cap
        ({"notional": 1_234.0}, 0.0, {"notional": 1_234.0}),  # fits: left as asked
    ],
)
def test_entry_over_the_position_cap_is_reduced_to_it_and_recorded(
    size: dict[str, object], held: float, expected: dict[str, float]
) -> None:
    limits = RiskLimits(max_position_notional=2_000.0, allow_pyramiding=True)
    positions = {BTC: position(quantity=held)} if held else {}
    verdict = run(entry(**size), limits, positions=positions)
    assert_approved(verdict)
    for name, value in expected.items():
        assert getattr(verdict.decision, name) == pytest.approx(value)
    asked = size.get("notional") or 0.1 * PRICES[BTC]
    if verdict.adjustments:
        room = 2_000.0 - held * PRICES[BTC]
        assert verdict.adjustments == (
            f"notional {asked:.2f} reduced to {room:.2f} (max position notional 2000)",
        )
    else:
        assert verdict.decision == entry(**size)


def test_reduced_size_is_floored_to_the_amount_step() -> None:
    limits = RiskLimits(max_position_notional=1_234.0)
    verdict = run(entry(quantity=1.0, notional=None), limits)
    assert verdict.decision.quantity == pytest.approx(0.024)  # 1,234 / 50,000 = 0.02468
    assert verdict.decision.notional is None


def test_entry_is_denied_when_the_position_already_fills_its_cap() -> None:
    limits = RiskLimits(max_position_notional=1_000.0, allow_pyramiding=True)
    verdict = run(entry(), limits, positions={BTC: position(quantity=0.02)})
    assert_denied(verdict, RiskRule.MAX_POSITION_NOTIONAL, "already holds 1000.00 of the 1000 cap")


def test_entry_reduced_below_the_instrument_minimum_is_denied() -> None:
    limits = RiskLimits(max_position_notional=1_003.0, allow_pyramiding=True)
    verdict = run(entry(), limits, positions={BTC: position(quantity=0.02)})
    assert_denied(verdict, RiskRule.MIN_NOTIONAL, "order of 0 BTC")
    assert verdict.adjustments == ("notional 1000.00 reduced to 3.00 (max position notional 1003)",)
    assert verdict.decision == entry()  # a denial carries the decision as received


@pytest.mark.parametrize(
    ("notional", "eth_held", "expected", "denied"),
    [
        (4_000.0, 2.0, 4_000.0, False),  # 5,000 held + 4,000 within 1x of 10,000 equity
        (8_000.0, 2.0, 5_000.0, False),  # reduced to the 5,000 left
        (1_000.0, 4.0, None, True),  # 10,000 held: no room
    ],
)
def test_total_exposure_counts_every_open_position_and_the_new_order(
    notional: float, eth_held: float, expected: float | None, denied: bool
) -> None:
    limits = RiskLimits(max_total_exposure=1.0)
    verdict = run(entry(notional=notional), limits, positions={ETH: position(ETH, -eth_held)})
    if denied:
        assert_denied(verdict, RiskRule.MAX_TOTAL_EXPOSURE, "open notional 10000.00 already at")
    else:
        assert_approved(verdict)
        assert verdict.decision.notional == pytest.approx(expected)
        assert bool(verdict.adjustments) is (expected != notional)


def test_open_positions_without_a_price_count_at_their_entry_price() -> None:
    limits = RiskLimits(max_total_exposure=1.0)
    held = {ETH: position(ETH, 2.0, entry=3_000.0)}  # 6,000 at entry; no ETH price given
    verdict = run(entry(notional=8_000.0), limits, positions=held, prices={BTC: 50_000.0})
    assert verdict.decision.notional == pytest.approx(4_000.0)


# --- the daily kill switch -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("equity", "tripped"),
    [(9_600.0, False), (9_500.01, False), (9_500.0, True), (9_000.0, True)],
)
def test_daily_loss_limit_trips_at_the_threshold(equity: float, tripped: bool) -> None:
    verdict = run(entry(), RiskLimits(daily_loss_limit=0.05), equity=equity)
    if tripped:
        assert_denied(verdict, RiskRule.DAILY_LOSS_LIMIT, "limit 5.00%); entries resume the next")
    else:
        assert_approved(verdict)


def test_kill_switch_stays_on_after_a_recovery_and_resets_the_next_utc_day() -> None:
    limits = RiskLimits(daily_loss_limit=0.05)
    day = TradingDay.starting(T0, 10_000.0).observe(T0 + 3 * HOUR_MS, 9_400.0)
    day = day.observe(T0 + 20 * HOUR_MS, 10_200.0)  # back above the start

    def verdict_on(day: TradingDay, equity: float) -> RiskVerdict:
        ctx = dataclasses.replace(
            context(equity=equity),
            day_start_equity=day.start_equity,
            day_low_equity=day.low_equity,
        )
        return check(entry(), ctx, limits)

    assert_denied(verdict_on(day, 10_200.0), RiskRule.DAILY_LOSS_LIMIT, "fell 6.00%")
    next_day = day.observe(T0 + DAY_MS, 10_200.0)
    assert_approved(verdict_on(next_day, 10_200.0))


def test_closes_pass_while_the_kill_switch_is_on() -> None:
    limits = RiskLimits(daily_loss_limit=0.05)
    tripped = {"equity": 9_000.0, "positions": {BTC: position()}}
    assert_denied(run(entry(SELL), limits, **tripped), RiskRule.DAILY_LOSS_LIMIT)
    assert_approved(run(SymbolDecision(BTC, Signal.CLOSE), limits, **tripped))


def test_daily_loss_is_the_deepest_fall_below_the_day_start() -> None:
    assert daily_loss(context(equity=9_000.0)) == pytest.approx(0.10)
    assert daily_loss(context(equity=9_900.0, day_low_equity=9_200.0)) == pytest.approx(0.08)
    assert daily_loss(context(equity=11_000.0)) == 0.0
    assert daily_loss(context(day_start_equity=0.0)) == 0.0


# --- property: an approved entry never exceeds a limit ----------------------------------------

limits_strategy = st.builds(
    RiskLimits,
    max_leverage=st.floats(1.0, 50.0),
    max_position_notional=st.none() | st.floats(10.0, 50_000.0),
    max_total_exposure=st.none() | st.floats(0.1, 5.0),
    min_confidence=st.just(0.0) | st.floats(0.0, 1.0),
    allow_pyramiding=st.booleans(),
    require_stop_loss=st.booleans(),
    daily_loss_limit=st.none() | st.floats(0.01, 1.0),
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[SymbolDecision, RiskContext]:
    price = draw(st.floats(1.0, 100_000.0))
    equity = draw(st.floats(100.0, 100_000.0))
    positions = {}
    for symbol in (BTC, ETH):
        if draw(st.integers(0, 2)) == 0:  # a position on a third of the symbols
            quantity = draw(st.floats(-2.0, 2.0).filter(lambda q: abs(q) > 1e-6))
            positions[symbol] = position(symbol, quantity)
    ctx = RiskContext(
        ts=T0,
        equity=equity,
        free_cash=draw(st.floats(0.0, equity)),
        day_start_equity=draw(st.floats(equity * 0.8, equity * 1.2)),
        positions=positions,
        prices={BTC: price, ETH: 2_500.0},
        instrument=INSTRUMENT,
        day_low_equity=draw(st.none() | st.floats(equity * 0.8, equity)),
    )
    by_quantity = draw(st.booleans())
    size = draw(st.floats(1e-4, 10.0) if by_quantity else st.floats(1.0, 200_000.0))
    signal = draw(st.sampled_from([BUY, SELL]))
    # Mostly on the correct side, so that enough entries get through to the caps.
    below, above = st.floats(price * 0.5, price * 0.999), st.floats(price * 1.001, price * 1.5)
    anywhere = st.floats(price * 0.5, price * 1.5)
    stop = st.none() | (below if signal is BUY else above) | anywhere
    target = st.none() | (above if signal is BUY else below) | anywhere
    decision = SymbolDecision(
        symbol=BTC,
        signal=signal,
        quantity=size if by_quantity else None,
        notional=None if by_quantity else size,
        leverage=draw(st.floats(0.1, 200.0)),
        take_profit=draw(target),
        stop_loss=draw(stop),
        confidence=draw(st.just(1.0) | st.floats(0.0, 1.0)),
    )
    return decision, ctx


@settings(max_examples=400)  # roughly one scenario in ten is approved
@given(scenario=scenarios(), limits=limits_strategy)
def test_an_approved_entry_never_exceeds_any_limit(
    scenario: tuple[SymbolDecision, RiskContext], limits: RiskLimits
) -> None:
    asked, ctx = scenario
    verdict = check(asked, ctx, limits)
    if not verdict.approved:
        assert verdict.reason and verdict.rule is not None
        assert verdict.decision == asked
        return
    decision, price, slack = verdict.decision, ctx.prices[BTC], 1 + 1e-9
    long = decision.signal is BUY
    notional = decision.notional if decision.quantity is None else decision.quantity * price
    requested = asked.notional if asked.quantity is None else asked.quantity * price
    assert notional is not None and requested is not None
    assert notional <= requested
    assert 1.0 <= decision.leverage <= min(limits.max_leverage, INSTRUMENT.max_leverage)
    assert notional / decision.leverage + notional * INSTRUMENT.taker_fee <= ctx.free_cash
    assert notional >= INSTRUMENT.min_notional
    assert decision.confidence >= limits.min_confidence
    held = ctx.positions.get(BTC)
    assert held is None or (limits.allow_pyramiding and held.is_long == long)
    if limits.max_position_notional is not None:
        existing = held.notional(price) if held is not None else 0.0
        assert existing + notional <= limits.max_position_notional * slack
    if limits.max_total_exposure is not None:
        total = sum(p.notional(ctx.prices[s]) for s, p in ctx.positions.items()) + notional
        assert total <= limits.max_total_exposure * ctx.equity * slack
    if limits.daily_loss_limit is not None:
        assert daily_loss(ctx) < limits.daily_loss_limit
    if limits.require_stop_loss:
        assert decision.stop_loss is not None
    if decision.stop_loss is not None:
        assert decision.stop_loss < price if long else decision.stop_loss > price
    if decision.take_profit is not None:
        assert decision.take_profit > price if long else decision.take_profit < price
