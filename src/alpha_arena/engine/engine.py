"""The TradingEngine: the one step loop that backtests, replay, paper and live seasons share.

One step, at the close of a bar: every account runs the bar (pending market orders fill at its
open, resting stops, take-profits, limits and liquidations trigger inside it), funding that
fell due settles, the bar's close becomes the mark; then, on the decision cadence, every
participant is asked for a decision, each action passes the risk checks, and what is approved
goes to the participant's venue. Equity is recorded at every step. The engine reads time only
from its clock, and a run is deterministic for a given input."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from alpha_arena.core.clock import SimClock
from alpha_arena.core.collector import collector_paused
from alpha_arena.core.errors import DataIntegrityError
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision, missed_deadline
from alpha_arena.domain.fills import Fill
from alpha_arena.domain.instrument import Instrument
from alpha_arena.domain.market import FloatArray
from alpha_arena.domain.orders import Order, OrderType, Side
from alpha_arena.domain.positions import (
    ExitPlan,
    Position,
    held_position,
    position_keys_in,
    positions_in,
)
from alpha_arena.engine.feed import ReplayFeed, changes_before, integers
from alpha_arena.engine.ledger import Ledger, PositionChange, RiskEvent
from alpha_arena.engine.participant import AsyncParticipant, Participant, StepView
from alpha_arena.engine.quiet import MIN_SPAN, Account, quiet_until, span_valuation
from alpha_arena.execution.venue import Venue
from alpha_arena.risk.checks import RiskContext, RiskRule, check
from alpha_arena.risk.limits import RiskLimits

StepCallback = Callable[[int, int], None]  # (steps done, steps in all)
#: ``ndarray.min`` without its Python-level wrapper: the same reduction (NaN propagates).
_lowest = np.minimum.reduce
_DAY_MS = 86_400_000


@dataclass
class Entrant:
    """A participant with its own isolated account and the record of what it did."""

    participant: Participant
    venue: Venue
    ledger: Ledger
    day: int = -1  # UTC day number of ``day_start_equity``
    day_start_equity: float = 0.0
    day_low_equity: float = 0.0  # the kill switch stays on after equity recovers within a day
    orders_sent: int = 0
    decides_at: set[int] | None = None  # None: at every step of the cadence
    appenders: tuple[Callable[[Any], None], ...] = ()  # the ledger's per-step columns
    asynchronous: bool = False  # asked through decide_async, together with the others
    active: bool = True  # False: frozen (eliminated from a season), asked for nothing more

    def __post_init__(self) -> None:
        self.asynchronous = isinstance(self.participant, AsyncParticipant)
        ledger = self.ledger
        self.appenders = (
            ledger.equity_ts.append, ledger.equity.append, ledger.cash.append,
            ledger.exposure.append,
        )  # fmt: skip


class TradingEngine:
    def __init__(
        self,
        feed: ReplayFeed,
        entrants: Sequence[tuple[Participant, Venue]],
        instruments: Mapping[str, Instrument],
        limits: RiskLimits,
        clock: SimClock,
        decision_every: int = 1,
        fast_forward: bool = True,
        decision_timeout_s: float | None = None,
        elimination_equity: float | None = None,
    ) -> None:
        """``fast_forward=False`` steps every bar even through quiet spans (see
        ``engine.quiet``); the ledger is the same either way, only slower.
        ``decision_timeout_s`` bounds how long an asynchronous participant may think per step.
        ``elimination_equity``: an account whose equity falls to it at a step's close is
        eliminated there: its orders are canceled, its positions closed, and it decides no more."""
        if decision_every < 1:
            raise ValueError("decision_every must be at least 1")
        self._instruments = dict(instruments)
        self._limits = limits
        self._clock = clock
        self._decision_every = decision_every
        self._decision_timeout_s = decision_timeout_s
        self._elimination_equity = elimination_equity
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self.entrants = [
            Entrant(participant, venue, Ledger(participant.name)) for participant, venue in entrants
        ]

        # Quiet spans can be skipped only when every participant announces its decision steps.
        self._fast_forward = fast_forward and decision_every == 1 and elimination_equity is None
        self._follow(feed)

    def _follow(self, feed: ReplayFeed) -> None:
        """Take ``feed`` as the market: the per-step tables and each participant's steps."""
        self._feed = feed
        # Flat arrays and tuples for the per-step loop: indexing them is several times faster
        # than indexing numpy arrays element by element (see engine.feed.doubles).
        self._timeline = integers(feed.timeline)
        self._step_ms = feed.step_ms
        self._symbols = [
            (symbol, series.open, series.high, series.low, series.close,
             feed.bar_index[symbol], feed.funding_due[symbol])
            for symbol, series in feed.series.items()
        ]  # fmt: skip
        accounts = []
        for entrant in self.entrants:
            steps = entrant.participant.decision_steps(feed.timeline)
            if steps is not None:
                entrant.decides_at = set(steps.tolist())
                accounts.append(Account(entrant.venue, sorted(steps.tolist())))
        everyone_known = self._fast_forward and len(accounts) == len(self.entrants)
        self._accounts = accounts if everyone_known else None
        self._check_from = 0

    def extend(self, feed: ReplayFeed, stepped: int) -> None:
        """Go on with ``feed``, the same market with more bars at its end (a paper or live
        season's newly closed bars), after ``stepped`` steps were run: the state the engine
        is in stays as it is. Raises DataIntegrityError when ``feed`` changes anything the
        steps already run saw (a bar, a funding settlement): only re-executing them from the
        start would give the ledger a restart gives."""
        changed = changes_before(self._feed, feed, stepped)
        if changed:
            raise DataIntegrityError(
                f"the market changed under the {stepped} steps already run ({changed}); "
                "they must be re-executed"
            )
        self._follow(feed)

    @property
    def timeline(self) -> Sequence[int]:
        """The open time of each step's bars; step k closes at ``timeline[k] + step_ms``."""
        return self._timeline

    @property
    def step_ms(self) -> int:
        return self._step_ms

    def run(self, progress: StepCallback | None = None) -> dict[str, Ledger]:
        """Step through the whole feed; return each participant's ledger."""
        total = len(self._timeline)
        every = max(total // 100, 1)
        reported = 0
        step = 0
        with collector_paused():  # see core.collector
            while step < total:
                self.step(step)
                step = self._skip_quiet(step + 1, total)
                if progress is not None and (step - reported >= every or step == total):
                    progress(step, total)
                    reported = step
        return {entrant.participant.name: entrant.ledger for entrant in self.entrants}

    def _skip_quiet(self, start: int, stop: int) -> int:
        """Record the quiet span from ``start`` in one pass; return the next step to run."""
        if self._accounts is None or start < self._check_from:
            return start
        end = quiet_until(self._feed, self._accounts, start, stop)
        if end - start < MIN_SPAN:
            # Steps up to ``end`` run one by one; nothing can lengthen the span before that.
            self._check_from = end + 1 if end > start else start + 1
            return start
        closes = self._feed.closes()
        steps_ts = closes.ts[start:end]
        last_day = closes.day[end - 1]
        first = max(closes.day_first[end - 1] - start, 0)  # the last day's first step
        for entrant in self.entrants:
            venue = entrant.venue
            if venue.positions():
                equity, gross, marks = span_valuation(self._feed, venue, start, end)
                for symbol, mark in marks.items():
                    venue.set_mark(symbol, mark)
                self._record_span(entrant, steps_ts, last_day, first, equity, gross, venue.cash)
            else:
                self._record_flat_span(entrant, steps_ts, last_day, venue.cash)
        self._clock.advance_to(steps_ts[-1])
        return end

    def _record_span(
        self,
        entrant: Entrant,
        steps_ts: Sequence[int],
        last_day: int,
        first: int,
        equity: FloatArray,
        gross: FloatArray,
        cash: float,
    ) -> None:
        """Record a quiet span: ``equity`` and ``gross`` exposure at its steps, which close at
        ``steps_ts``; the last of them on UTC day ``last_day``, from the span's step ``first``
        on. The day bookkeeping is _record's, for that day."""
        low = float(_lowest(equity))
        if last_day != entrant.day:
            entrant.day = last_day
            entrant.day_start_equity = float(equity[first])
            entrant.day_low_equity = float(_lowest(equity[first:])) if first else low
        else:
            entrant.day_low_equity = min(entrant.day_low_equity, low)
        ledger = entrant.ledger
        ledger.equity_ts.extend(steps_ts)
        ledger.equity.extend(equity.tolist())
        ledger.cash.extend([cash] * len(steps_ts))
        if low > 0.0 and _lowest(gross) > 0.0:  # the usual case: every step is exposed
            ratio = gross / equity
        else:
            held = (gross != 0) & (equity > 0)
            ratio = np.divide(gross, equity, out=np.zeros_like(gross), where=held)
        ledger.exposure.extend(ratio.tolist())

    def _record_flat_span(
        self, entrant: Entrant, steps_ts: Sequence[int], last_day: int, cash: float
    ) -> None:
        """``_record_span`` of an account without a position: its equity is its cash."""
        if last_day != entrant.day:
            entrant.day = last_day
            entrant.day_start_equity = entrant.day_low_equity = cash
        elif cash < entrant.day_low_equity:
            entrant.day_low_equity = cash
        ledger = entrant.ledger
        count = len(steps_ts)
        ledger.equity_ts.extend(steps_ts)
        ledger.equity.extend([cash] * count)
        ledger.cash.extend([cash] * count)
        ledger.exposure.extend([0.0] * count)

    def step(self, step: int) -> None:
        ts_open = self._timeline[step]
        ts_close = ts_open + self._step_ms
        self._clock.advance_to(ts_close)
        entrants = self.entrants
        bars: dict[str, int] = {}
        for symbol, opens, highs, lows, closes, bar_index, funding_due in self._symbols:
            index = bar_index[step]
            if index >= 0:
                bars[symbol] = index
                open_, high, low, close = opens[index], highs[index], lows[index], closes[index]
                for entrant in entrants:
                    entrant.venue.on_bar(symbol, ts_open, open_, high, low, close)
            if funding_due:
                due = funding_due.get(step)
                if due:
                    self._settle_funding(symbol, due, bars.get(symbol))
        if step % self._decision_every == 0:
            deciding = []
            for entrant in entrants:  # a loop: cheaper than a comprehension for a few entrants
                if entrant.active and (entrant.decides_at is None or step in entrant.decides_at):
                    deciding.append(entrant)
            if deciding:
                for entrant, decision, latency_ms in self._ask(deciding, step, ts_close, bars):
                    if decision is not None:
                        entrant.ledger.decision_latency_ms.append(latency_ms)
                        self._apply(entrant, decision, ts_close)
        for entrant in entrants:
            self._record(entrant, ts_close)

    def _settle_funding(self, symbol: str, due: list[tuple[int, float]], index: int | None) -> None:
        for entrant in self.entrants:
            venue = entrant.venue
            if held_position(venue.positions(), symbol) is None:
                continue
            mark = (
                self._feed.series[symbol].close[index] if index is not None else venue.mark(symbol)
            )
            for ts, rate in due:
                if mark is not None and held_position(venue.positions(), symbol) is not None:
                    amount = venue.settle_funding(symbol, ts, rate, mark)
                    entrant.ledger.funding.append((ts, symbol, amount))

    def _view(
        self,
        entrant: Entrant,
        step: int,
        ts: int,
        bars: dict[str, int],
        equities: tuple[tuple[str, float], ...],
    ) -> StepView:
        venue = entrant.venue
        positions = venue.positions()
        liquidations = tuple((key, venue.liquidation_price(key)) for key in positions)
        return StepView(
            step, ts, bars, venue.equity(), venue.cash, positions, equities, _resting(venue),
            liquidations,
        )  # fmt: skip

    def _equities(self) -> tuple[tuple[str, float], ...]:
        """Every entrant's equity now, at this step's closes and before any of its orders
        (the eliminated ones' frozen): the standings the asynchronous participants are shown.
        Where orders fill at the next bar's open, each is the equity this step records."""
        return tuple(
            (entrant.participant.name, entrant.venue.equity()) for entrant in self.entrants
        )

    def _ask(
        self, deciding: list[Entrant], step: int, ts: int, bars: dict[str, int]
    ) -> list[tuple[Entrant, Decision | None, float]]:
        """Every deciding participant's decision and how long it took (ms). Asynchronous ones
        (LLM agents) are asked together, each within the decision deadline; a missed deadline
        is a recorded hold."""
        answers: list[tuple[Entrant, Decision | None, float]] = []
        waiting: list[Entrant] = []
        for entrant in deciding:
            if entrant.asynchronous:
                waiting.append(entrant)
            else:
                venue = entrant.venue
                view = StepView(
                    step, ts, bars, venue.equity(), venue.cash, venue.positions(), (),
                    _resting(venue),
                )  # fmt: skip
                started = time.perf_counter()
                decision = entrant.participant.decide(view)
                answers.append((entrant, decision, (time.perf_counter() - started) * 1000))
        if waiting:
            equities = self._equities()
            views = [self._view(entrant, step, ts, bars, equities) for entrant in waiting]
            results = self.loop.run_until_complete(self._gather(waiting, views, ts))
            answers += [
                (entrant, decision, latency)
                for entrant, (decision, latency) in zip(waiting, results, strict=True)
            ]
        return answers

    async def _gather(
        self, waiting: list[Entrant], views: list[StepView], ts: int
    ) -> list[tuple[Decision | None, float]]:
        async def one(entrant: Entrant, view: StepView) -> tuple[Decision | None, float]:
            participant = entrant.participant
            assert isinstance(participant, AsyncParticipant)
            started = time.perf_counter()
            try:
                decision = await asyncio.wait_for(
                    participant.decide_async(view), self._decision_timeout_s
                )
            except TimeoutError:  # cut off now, or a cut-off replayed (DeadlineMissedError)
                decision = missed_deadline(ts, self._decision_timeout_s)
            return decision, (time.perf_counter() - started) * 1000

        return list(await asyncio.gather(*(one(e, v) for e, v in zip(waiting, views, strict=True))))

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop asynchronous participants run on, one for the engine's life (LLM
        clients and their concurrency limits belong to one loop); close their resources on it."""
        if self._event_loop is None:
            self._event_loop = asyncio.new_event_loop()
        return self._event_loop

    def close(self) -> None:
        if self._event_loop is not None:
            self._event_loop.close()
            self._event_loop = None

    def _apply(self, entrant: Entrant, decision: Decision, ts: int) -> None:
        venue = entrant.venue
        entrant.ledger.decisions.append(decision)
        # Later actions are checked against the account as earlier ones will leave it: a close
        # followed by an entry on the same symbol (a flip) is not pyramiding.
        positions = dict(venue.positions())
        cash = venue.cash
        for action in decision.actions:
            if action.signal is Signal.HOLD:
                continue
            if self._act(entrant, action, ts, positions, cash) and action.signal is Signal.CLOSE:
                for key in position_keys_in(positions, action.symbol):  # both sides when hedged
                    closed = positions.pop(key)
                    mark = venue.mark(action.symbol) or closed.entry_price
                    fee = closed.notional(mark) * venue.taker_fee(action.symbol)
                    cash += closed.margin + closed.unrealized_pnl(mark) - fee

    def _act(
        self,
        entrant: Entrant,
        action: SymbolDecision,
        ts: int,
        positions: Mapping[str, Position],
        cash: float,
    ) -> bool:
        """Check one action and send what is approved; return whether it was approved."""
        venue = entrant.venue
        instrument = self._instruments.get(action.symbol)
        price = venue.mark(action.symbol)
        if instrument is None or price is None:
            missing = RiskRule.INVALID if instrument is None else RiskRule.NO_PRICE
            entrant.ledger.risk_events.append(
                RiskEvent(ts, action.symbol, action, False, f"no market for {action.symbol}",
                          rule=missing.value)
            )  # fmt: skip
            return False
        # A position without a mark yet is left out: the checks then value it at its entry.
        prices = {}
        for held in positions.values():
            mark = venue.mark(held.symbol)
            if mark is not None:
                prices[held.symbol] = mark
        prices[action.symbol] = price
        context = RiskContext(
            ts, venue.equity(), cash, entrant.day_start_equity, positions, prices, instrument,
            entrant.day_low_equity, venue.taker_fee(action.symbol),
        )  # fmt: skip
        verdict = check(action, context, self._limits)
        if not verdict.approved or verdict.adjustments:
            rule = "" if verdict.rule is None else verdict.rule.value
            entrant.ledger.risk_events.append(
                RiskEvent(ts, action.symbol, action, verdict.approved, verdict.reason,
                          verdict.adjustments, rule)
            )  # fmt: skip
        if not verdict.approved:
            return False
        approved = verdict.decision
        if approved.signal is Signal.CLOSE:
            self._close(entrant, approved, ts)
        else:
            self._enter(entrant, approved, instrument, price, ts)
        return True

    def _close(self, entrant: Entrant, action: SymbolDecision, ts: int) -> None:
        """Close the position in the action's symbol: in hedge mode both its sides (a decision
        names a coin, not a side), the long first, each with a reduce-only order of its own."""
        for position in positions_in(entrant.venue.positions(), action.symbol):
            side = Side.SELL if position.quantity > 0 else Side.BUY
            order = Order(
                self._next_id(entrant), action.symbol, side, OrderType.MARKET, position.size,
                ts, None, None, True, position.leverage, "close",
            )  # fmt: skip
            entrant.venue.submit(order, ts, None)

    def _enter(
        self,
        entrant: Entrant,
        action: SymbolDecision,
        instrument: Instrument,
        price: float,
        ts: int,
    ) -> None:
        limit = _on_tick(action.limit_price, instrument)
        if limit is not None:  # a ladder rung: it rests, and is sized and filled, at its price
            price = limit
        quantity = action.quantity
        if quantity is None:
            notional = action.notional if action.notional is not None else 0.0
            quantity = notional / price
        step = instrument.amount_step
        quantity = math.floor(quantity / step + 1e-9) * step if step > 0 else quantity
        if quantity < instrument.min_amount or quantity * price < instrument.min_notional:
            entrant.ledger.risk_events.append(
                RiskEvent(ts, action.symbol, action, False,
                          f"size {quantity:g} is below the instrument minimum",
                          rule=RiskRule.MIN_NOTIONAL.value)
            )  # fmt: skip
            return
        side = Side.BUY if action.signal is Signal.BUY_TO_ENTER else Side.SELL
        kind = OrderType.MARKET if limit is None else OrderType.LIMIT
        order = Order(
            self._next_id(entrant), action.symbol, side, kind, quantity, ts, limit,
            None, False, action.leverage, "entry",
        )  # fmt: skip
        exits = None
        if action.counter_price is not None:
            exits = ExitPlan(take_profit_limit=_on_tick(action.counter_price, instrument))
        elif not (
            action.stop_loss is None
            and action.take_profit is None
            and action.stop_loss_fraction is None
            and action.take_profit_fraction is None
        ):
            exits = ExitPlan(
                take_profit=_on_tick(action.take_profit, instrument),
                stop_loss=_on_tick(action.stop_loss, instrument),
                invalidation=action.invalidation,
                take_profit_fraction=action.take_profit_fraction,
                stop_loss_fraction=action.stop_loss_fraction,
            )
        entrant.venue.submit(order, ts, exits)

    def _next_id(self, entrant: Entrant) -> str:
        entrant.orders_sent += 1
        return f"{entrant.participant.name}-{entrant.orders_sent}"

    def _record(self, entrant: Entrant, ts: int) -> None:
        venue = entrant.venue
        ledger = entrant.ledger
        equity, gross, cash, news = venue.valuation()
        floor = self._elimination_equity
        if floor is not None and entrant.active and equity <= floor:
            venue.close_all(ts, "elimination")
            entrant.active = False
            ledger.eliminated_at = ts
            equity, gross, cash, news = venue.valuation()
        day = ts // _DAY_MS
        if day != entrant.day:  # the daily loss limit counts from each UTC day's first equity
            entrant.day, entrant.day_start_equity, entrant.day_low_equity = day, equity, equity
        elif equity < entrant.day_low_equity:
            entrant.day_low_equity = equity
        append_ts, append_equity, append_cash, append_exposure = entrant.appenders
        append_ts(ts)
        append_equity(equity)
        append_cash(cash)
        append_exposure(gross / equity if gross and equity > 0 else 0.0)
        if news:
            orders, events, fills = venue.drain()
            for order in orders:
                ledger.orders[order.client_order_id] = order
            ledger.order_events.extend(events)
            if fills:
                ledger.fills.extend(fills)
                _track_positions(ledger, venue.positions(), fills)


def _track_positions(ledger: Ledger, held: Mapping[str, Position], fills: Sequence[Fill]) -> None:
    """Record what ``fills`` (one step's) left of each position they touched: only fills move
    a position's size, price or exit plan, so this is the whole path of every position."""
    if len(fills) == 1:  # the usual step with a fill: no dictionary to build
        fill = fills[0]
        ledger.positions.append(
            PositionChange(fill.ts, fill.symbol, held.get(fill.symbol), fill.tag)
        )
        return
    last = {fill.symbol: fill for fill in fills}
    for symbol, fill in last.items():
        ledger.positions.append(PositionChange(fill.ts, symbol, held.get(symbol), fill.tag))


def _resting(venue: Venue) -> tuple[Order, ...]:
    """The account's open orders, for the participant's view (usually none: no list made)."""
    return tuple(venue.open_orders()) if venue.has_open_orders() else ()


def _on_tick(price: float | None, instrument: Instrument) -> float | None:
    return None if price is None else instrument.on_tick(price)
