"""Pre-trade risk checks: every agent decision passes here before it reaches a venue.

``check`` never raises for a denial: it returns a ``RiskVerdict`` that says whether the decision
may go ahead, the rule and reason when it may not, and the decision as clamped (leverage lowered
to the allowed maximum, size reduced to the notional caps), with each clamp written down.

HOLD is always approved. CLOSE is approved exactly when a position is open on the symbol; no
other rule applies to it, so a close passes even with the daily loss limit tripped. An entry
(BUY_TO_ENTER, SELL_TO_ENTER) meets these rules in order, and the first one it breaks denies it:

1. the daily loss limit is not tripped (see ``RiskLimits.daily_loss_limit``);
2. confidence at least ``min_confidence``;
3. no open position on the symbol unless ``allow_pyramiding`` or the entry is a ladder rung
   (a ``limit_price``, whose grid caps its own levels), and never an opposite one; a limit
   price positive, a counter price only with one and on its profit side;
4. a known instrument and price; a size given as a quantity or a notional (one, positive);
   a positive, finite leverage;
5. a stop-loss (required when ``require_stop_loss``) below the price for a long and above it
   for a short; a take-profit on the other side; an exit given as a fraction of the fill price
   (``stop_loss_fraction``, ``take_profit_fraction``) in (0, 1), never together with a price;
6. leverage clamped to ``min(max_leverage, instrument.max_leverage)``, and raised to 1; a
   leverage lowered to the cap lowers the size by the same factor, so the entry commits the
   margin it asked for (``notional / leverage``) and no more: an entry sized to fit cash at
   the leverage it asked for still fits at the cap;
7. size reduced so that the position stays within ``max_position_notional`` and all open
   notional within ``max_total_exposure`` x equity; a reduced size is floored to the amount
   step; denied when nothing fits;
8. the order, rounded down to the amount step, at least the instrument's minimum notional and
   minimum amount;
9. margin plus the estimated taker fee, ``notional / leverage + notional x fee``, within
   free cash; ``fee`` is the fee the venue will charge (``RiskContext.fee_rate``), else the
   instrument's taker fee.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from alpha_arena.core.values import quick_init
from alpha_arena.domain.decisions import Signal, SymbolDecision
from alpha_arena.domain.instrument import Instrument
from alpha_arena.domain.positions import Position, held_position
from alpha_arena.risk.limits import RiskLimits

# Float slack: a loss of exactly the limit trips it; a size a hair below a whole step counts.
_TOLERANCE = 1e-9


@quick_init
@dataclass(frozen=True, slots=True)
class RiskContext:
    """The account and market as of ``ts``, as the checks see them. ``instrument`` is the
    decision's market; prices are by symbol (open positions without one are valued at their
    entry price). ``day_low_equity`` is the lowest equity seen this UTC day
    (``TradingDay.low_equity``); None means only the current equity counts. ``fee_rate`` is
    the taker fee the venue will charge the entry (a run's own fee rate); None means the
    instrument's taker fee."""

    ts: int
    equity: float
    free_cash: float
    day_start_equity: float
    positions: Mapping[str, Position]
    prices: Mapping[str, float]
    instrument: Instrument
    day_low_equity: float | None = None
    fee_rate: float | None = None

    @property
    def taker_fee(self) -> float:
        """The fee rate an entry on ``instrument`` pays."""
        return self.instrument.taker_fee if self.fee_rate is None else self.fee_rate


class RiskRule(StrEnum):
    """The rule behind a denial."""

    INVALID = "invalid"  # malformed: no size or both sizes, non-finite numbers, wrong instrument
    NO_POSITION = "no_position"
    NO_PRICE = "no_price"
    DAILY_LOSS_LIMIT = "daily_loss_limit"
    MIN_CONFIDENCE = "min_confidence"
    PYRAMIDING = "pyramiding"
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    MAX_POSITION_NOTIONAL = "max_position_notional"
    MAX_TOTAL_EXPOSURE = "max_total_exposure"
    MIN_NOTIONAL = "min_notional"
    MARGIN = "margin"


class RiskLevel(StrEnum):
    """How serious a recorded risk event is."""

    INFO = "info"  # a note: the action went through as asked
    WARN = "warn"  # the action went through, clamped (its adjustments say how)
    DENY = "deny"  # the action was refused (its rule says by what)


@quick_init
@dataclass(frozen=True, slots=True)
class RiskVerdict:
    """The outcome of ``check``. ``decision`` is what may be executed, clamped as
    ``adjustments`` records; a denial carries its ``rule`` and ``reason`` and the decision as
    received."""

    approved: bool
    reason: str
    decision: SymbolDecision
    adjustments: tuple[str, ...] = ()
    rule: RiskRule | None = None


@dataclass(frozen=True, slots=True)
class _Denial:
    rule: RiskRule
    reason: str


def check(decision: SymbolDecision, context: RiskContext, limits: RiskLimits) -> RiskVerdict:
    """Return whether ``decision`` may be executed, and in what clamped form."""
    if decision.signal is Signal.HOLD:
        return RiskVerdict(True, "", decision)
    if decision.signal is Signal.CLOSE:
        if _open_position(context, decision.symbol) is None:
            reason = f"no open position on {decision.symbol}"
            return RiskVerdict(False, reason, decision, rule=RiskRule.NO_POSITION)
        return RiskVerdict(True, "", decision)
    adjustments: list[str] = []
    outcome = _check_entry(decision, context, limits, adjustments)
    if isinstance(outcome, _Denial):
        return RiskVerdict(False, outcome.reason, decision, tuple(adjustments), outcome.rule)
    return RiskVerdict(True, "", outcome, tuple(adjustments))


def daily_loss(context: RiskContext) -> float:
    """Return how far equity has been below the day's starting equity today, as a fraction."""
    if context.day_start_equity <= 0.0:
        return 0.0
    low = context.equity
    if context.day_low_equity is not None:
        low = min(low, context.day_low_equity)
    return max(0.0, 1.0 - low / context.day_start_equity)


def _open_position(context: RiskContext, symbol: str, long: bool | None = None) -> Position | None:
    """The position an action on ``symbol`` meets (in hedge mode, the side ``long`` names)."""
    position = held_position(context.positions, symbol, long)
    return position if position is not None and position.quantity != 0.0 else None


def _check_entry(
    decision: SymbolDecision, context: RiskContext, limits: RiskLimits, adjustments: list[str]
) -> SymbolDecision | _Denial:
    symbol, long = decision.symbol, decision.signal is Signal.BUY_TO_ENTER
    existing = _open_position(context, symbol, long)
    denial = _gate(decision, context, limits, existing, long) or _size_denial(decision)
    if denial is not None:
        return denial
    instrument, price = context.instrument, context.prices[symbol]
    notional = (
        (decision.quantity or 0.0) * price if decision.notional is None else decision.notional
    )
    denial = _exits_denial(decision, price, long, limits)
    if denial is not None:
        return denial
    leverage = _clamped_leverage(decision.leverage, limits, instrument, adjustments)
    scaled = leverage < decision.leverage
    if scaled:
        kept = notional * leverage / decision.leverage
        adjustments.append(
            f"notional {notional:.2f} scaled to {kept:.2f} with the leverage "
            f"(margin kept at {notional / decision.leverage:.2f})"
        )
        notional = kept
    capped = _capped_notional(symbol, notional, price, existing, context, limits, adjustments)
    if isinstance(capped, _Denial):
        return capped
    reduced = scaled or capped < notional
    # The quantity the order will have once rounded down to the amount step; a reduced size is
    # set to it so that the order built from the decision stays within the cap.
    quantity = _floor_to_step(capped / price, instrument.amount_step)
    if reduced:
        notional = quantity * price
    if quantity * price < instrument.min_notional or quantity < instrument.min_amount:
        return _Denial(
            RiskRule.MIN_NOTIONAL,
            f"order of {quantity:g} {symbol} ({quantity * price:.2f}) is below the instrument "
            f"minimum of {instrument.min_amount:g} and {instrument.min_notional:g} notional",
        )
    needed = notional / leverage + notional * context.taker_fee
    if needed > context.free_cash:
        return _Denial(
            RiskRule.MARGIN,
            f"insufficient margin: needs {needed:.2f}, free {context.free_cash:.2f}",
        )
    if not reduced:
        if leverage == decision.leverage:
            return decision  # as asked: no copy to make
        return dataclasses.replace(decision, leverage=leverage)
    if decision.quantity is not None:
        return dataclasses.replace(decision, leverage=leverage, quantity=quantity)
    return dataclasses.replace(decision, leverage=leverage, notional=notional)


def _gate(
    decision: SymbolDecision,
    context: RiskContext,
    limits: RiskLimits,
    existing: Position | None,
    long: bool,
) -> _Denial | None:
    """Deny entries that no size could make acceptable."""
    symbol = decision.symbol
    loss = daily_loss(context)
    if limits.daily_loss_limit is not None and loss >= limits.daily_loss_limit - _TOLERANCE:
        return _Denial(
            RiskRule.DAILY_LOSS_LIMIT,
            f"daily loss limit hit: equity fell {loss:.2%} below the day's start "
            f"(limit {limits.daily_loss_limit:.2%}); entries resume the next UTC day",
        )
    if not decision.confidence >= limits.min_confidence:  # NaN fails too
        return _Denial(
            RiskRule.MIN_CONFIDENCE,
            f"confidence {decision.confidence:g} below the minimum {limits.min_confidence:g}",
        )
    if existing is not None and existing.is_long != long:
        return _Denial(RiskRule.PYRAMIDING, f"opposite position open on {symbol}; close it first")
    # A ladder rung (a limit entry) adds to the position by design; its grid caps the levels.
    if existing is not None and not limits.allow_pyramiding and decision.limit_price is None:
        return _Denial(RiskRule.PYRAMIDING, f"position already open on {symbol}; pyramiding is off")
    limit, counter = decision.limit_price, decision.counter_price
    if limit is not None and not (math.isfinite(limit) and limit > 0.0):
        return _Denial(RiskRule.INVALID, f"limit price must be a positive number, got {limit}")
    if counter is not None and (limit is None or not (counter - limit) * (1 if long else -1) > 0):
        return _Denial(
            RiskRule.INVALID,
            "a counter price needs a limit price and must lie on its profit side "
            f"(above it for a buy, below for a sell), got {counter} for {limit}",
        )
    if context.instrument.symbol != symbol:
        return _Denial(
            RiskRule.INVALID, f"no instrument for {symbol} (have {context.instrument.symbol})"
        )
    price = context.prices.get(symbol)
    if price is None or not (math.isfinite(price) and price > 0.0):
        return _Denial(RiskRule.NO_PRICE, f"no usable price for {symbol}")
    return None


def _size_denial(decision: SymbolDecision) -> _Denial | None:
    quantity, notional, leverage = decision.quantity, decision.notional, decision.leverage
    if quantity is not None and notional is not None:
        return _Denial(RiskRule.INVALID, "give a quantity or a notional, not both")
    size = quantity if quantity is not None else notional
    if size is None:
        return _Denial(RiskRule.INVALID, "an entry needs a quantity or a notional")
    if not (math.isfinite(size) and size > 0.0):
        return _Denial(RiskRule.INVALID, f"size must be a positive number, got {size}")
    if not (math.isfinite(leverage) and leverage > 0.0):
        return _Denial(RiskRule.INVALID, f"leverage must be a positive number, got {leverage}")
    return None


def _exits_denial(
    decision: SymbolDecision, price: float, long: bool, limits: RiskLimits
) -> _Denial | None:
    stop, target = decision.stop_loss, decision.take_profit
    if (
        stop is None
        and target is None
        and decision.stop_loss_fraction is None
        and decision.take_profit_fraction is None
    ):  # no exit given (the usual entry): only a required stop-loss can be missing
        if limits.require_stop_loss:
            return _Denial(RiskRule.STOP_LOSS, "a stop-loss is required")
        return None
    side = "long" if long else "short"
    for rule, name, level, fraction in (
        (RiskRule.STOP_LOSS, "stop-loss", stop, decision.stop_loss_fraction),
        (RiskRule.TAKE_PROFIT, "take-profit", target, decision.take_profit_fraction),
    ):
        if fraction is None:
            continue
        if level is not None:
            return _Denial(RiskRule.INVALID, f"give a {name} price or a fraction, not both")
        if not 0.0 < fraction < 1.0:  # NaN fails too
            return _Denial(rule, f"{name} fraction {fraction:g} must be in (0, 1)")
    if stop is None and decision.stop_loss_fraction is None and limits.require_stop_loss:
        return _Denial(RiskRule.STOP_LOSS, "a stop-loss is required")
    if stop is not None and not (0.0 < stop < price if long else price < stop < math.inf):
        where = "below" if long else "above"
        return _Denial(
            RiskRule.STOP_LOSS,
            f"stop-loss {stop:g} must be {where} the price {price:g} for a {side}",
        )
    if target is not None and not (price < target < math.inf if long else 0.0 < target < price):
        where = "above" if long else "below"
        return _Denial(
            RiskRule.TAKE_PROFIT,
            f"take-profit {target:g} must be {where} the price {price:g} for a {side}",
        )
    return None


def _clamped_leverage(
    leverage: float, limits: RiskLimits, instrument: Instrument, adjustments: list[str]
) -> float:
    ceiling = min(limits.max_leverage, instrument.max_leverage)
    if leverage > ceiling:
        adjustments.append(
            f"leverage {leverage:g} clamped to {ceiling:g} (limit {limits.max_leverage:g}, "
            f"instrument {instrument.max_leverage:g})"
        )
        return ceiling
    if leverage < 1.0:
        adjustments.append(f"leverage {leverage:g} raised to 1")
        return 1.0
    return leverage


def _capped_notional(
    symbol: str,
    notional: float,
    price: float,
    existing: Position | None,
    context: RiskContext,
    limits: RiskLimits,
    adjustments: list[str],
) -> float | _Denial:
    """Return the notional reduced to the position and exposure caps (as asked if it fits)."""
    if limits.max_position_notional is None and limits.max_total_exposure is None:
        return notional
    capped = notional
    if limits.max_position_notional is not None:
        cap = limits.max_position_notional
        held = existing.notional(price) if existing is not None else 0.0
        if held >= cap:
            return _Denial(
                RiskRule.MAX_POSITION_NOTIONAL,
                f"position on {symbol} already holds {held:.2f} of the {cap:g} cap",
            )
        if capped > cap - held:
            adjustments.append(
                f"notional {capped:.2f} reduced to {cap - held:.2f} (max position notional {cap:g})"
            )
            capped = cap - held
    if limits.max_total_exposure is not None:
        allowed = limits.max_total_exposure * context.equity
        held = sum(
            position.notional(context.prices.get(position.symbol, position.entry_price))
            for position in context.positions.values()
        )
        if held >= allowed:
            return _Denial(
                RiskRule.MAX_TOTAL_EXPOSURE,
                f"open notional {held:.2f} already at the exposure cap {allowed:.2f} "
                f"({limits.max_total_exposure:g}x equity)",
            )
        if capped > allowed - held:
            adjustments.append(
                f"notional {capped:.2f} reduced to {allowed - held:.2f} "
                f"(total exposure cap {limits.max_total_exposure:g}x equity)"
            )
            capped = allowed - held
    return capped


def _floor_to_step(quantity: float, step: float) -> float:
    if step <= 0.0:
        return quantity
    return math.floor(quantity / step + _TOLERANCE) * step
