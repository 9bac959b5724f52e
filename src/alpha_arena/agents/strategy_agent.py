"""A library strategy as a participant: it trades changes of the strategy's target position."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from alpha_arena.core.errors import DataIntegrityError
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision
from alpha_arena.domain.instrument import Instrument
from alpha_arena.domain.market import FloatArray, IntArray
from alpha_arena.domain.positions import held_position
from alpha_arena.engine.feed import doubles
from alpha_arena.engine.participant import Cadence, StepView
from alpha_arena.strategies.base import Strategy, StrategyInput


@dataclass(frozen=True, slots=True)
class Sizing:
    """How a target becomes an order.

    ``notional = |target| x share x equity x (1 - reserve) x leverage / (1 + leverage x
    fee_rate)``: the entry's margin (``notional / leverage``) plus its taker fee (``notional x
    fee_rate``) take exactly ``(1 - reserve)`` of the symbol's share of equity, so an entry fits
    in cash at any leverage. ``fee_rate`` must be the fee the venue will charge the entry (the
    run's fee rate when it sets one, else the instrument's taker fee). ``reserve`` keeps cash
    for the next open being worse than this close: margin and fee both scale with the fill
    price, so a reserve of 1% absorbs a 1% adverse gap whatever the leverage.

    A leverage above the risk cap (the account's ``max_leverage`` or the instrument's) is
    lowered by the risk check together with the size, by the same factor (see
    ``risk.checks``): the margin this sizing commits is kept, so the clamped entry fits too.

    ``stop_loss`` and ``take_profit`` are distances from the entry's fill price, as fractions;
    the venue places them when the entry fills."""

    leverage: float = 1.0
    stop_loss: float | None = None
    take_profit: float | None = None
    reserve: float = 0.01
    fee_rate: float = 0.0

    def __post_init__(self) -> None:
        if not self.leverage > 0:
            raise ValueError("leverage must be positive")
        for name in ("stop_loss", "take_profit"):
            value = getattr(self, name)
            if value is not None and not 0 < value < 1:
                raise ValueError(f"{name} must be a fraction in (0, 1)")
        if not 0 <= self.reserve < 1:
            raise ValueError("reserve must be a fraction in [0, 1)")
        if not 0 <= self.fee_rate < 1:
            raise ValueError("fee_rate must be a fraction in [0, 1)")

    def notional(self, equity: float, target: float, share: float) -> float:
        """The entry notional for ``target`` (in [-1, 1]) and this symbol's ``share``."""
        committed = abs(target) * share * equity * (1 - self.reserve)
        return committed * self.leverage / (1 + self.leverage * self.fee_rate)


#: Binance USDT-M's taker fee: what an entry is sized for where no instrument says otherwise.
DEFAULT_TAKER_FEE = 0.0005


def entry_fee(fee_rate: float | None, instruments: Iterable[Instrument]) -> float:
    """The fee a run's entries pay, which ``Sizing`` must leave room for: the run's own fee
    rate when it sets one, else the highest taker fee of the instruments it trades."""
    if fee_rate is not None:
        return fee_rate
    return max((instrument.taker_fee for instrument in instruments), default=DEFAULT_TAKER_FEE)


def signal_targets(strategy: Strategy, data: StrategyInput) -> FloatArray:
    """``strategy``'s targets over ``data`` in [-1, 1] (flat where it has none yet)."""
    return np.clip(np.nan_to_num(strategy.targets(data)), -1.0, 1.0)


def extended_targets(
    name: str, strategy: Strategy, old: FloatArray, data: StrategyInput
) -> FloatArray:
    """``strategy``'s targets over ``data``, which extends the input ``old`` was computed on.
    Targets are causal, so those of the bars before must come out the same; if not (the
    stored history changed), only re-executing the season from its start is faithful."""
    new = signal_targets(strategy, data)
    if len(new) < len(old) or not np.array_equal(new[: len(old)], old):
        raise DataIntegrityError(
            f"{name}: the targets of bars already traded changed when new bars arrived "
            f"({strategy.name}); the season must be re-executed from its start"
        )
    return new


def require_same_symbols(
    name: str, have: Mapping[str, object], given: Mapping[str, object]
) -> None:
    if set(have) != set(given):
        raise ValueError(f"{name} trades {sorted(have)}, not {sorted(given)}")


class StrategyAgent:
    """Computes the strategy's targets once over the data it is given (they are causal, see
    ``strategies.base``) and, at each step, acts only where the target changed."""

    def __init__(
        self,
        name: str,
        strategy: Strategy,
        inputs: Mapping[str, StrategyInput],
        sizing: Sizing,
        offsets: Mapping[str, int] | None = None,
        cadence: Cadence | None = None,
    ) -> None:
        """``offsets[symbol]``: how many warm-up bars ``inputs`` holds before the engine's
        first bar of that symbol. ``cadence``: a rule of a longer timeframe than the run's
        bars (its strategy a ``ResampledStrategy``) is asked at its own bars' closes only."""
        self._name = name
        self._strategy = strategy
        self._inputs = dict(inputs)
        self._sizing = sizing
        self._offsets = dict(offsets or {})
        self._cadence = cadence
        self._targets: dict[str, array[float]] = {}
        self._arrays: dict[str, FloatArray] = {}
        for symbol, data in self._inputs.items():
            self._keep(symbol, data, signal_targets(strategy, data))
        self._held = dict.fromkeys(self._inputs, 0.0)
        self._share = 1.0 / max(len(self._inputs), 1)
        #: (ts, symbol, target) of every target change acted on: what a backtest stores with
        #: the decision's actions (the decision itself carries sizes, not the target).
        self.targets_decided: list[tuple[int, str, float]] = []

    def _keep(self, symbol: str, data: StrategyInput, targets: FloatArray) -> None:
        self._inputs[symbol] = data
        self._arrays[symbol] = targets
        self._targets[symbol] = doubles(targets)

    def extend(self, inputs: Mapping[str, StrategyInput]) -> None:
        """Go on with ``inputs``: the same symbols' inputs with newly closed bars at their end
        (a paper or live season following the market); what was decided stays as it is."""
        require_same_symbols(self._name, self._inputs, inputs)
        for symbol, data in inputs.items():
            old = self._arrays[symbol]
            self._keep(symbol, data, extended_targets(self._name, self._strategy, old, data))

    @property
    def name(self) -> str:
        return self._name

    def decision_steps(self, timeline: IntArray) -> IntArray | None:
        """The steps where some symbol's target differs from the one before it (or is not flat
        on the first traded bar): the only moments this agent can act. On a longer cadence,
        every close of its own bars (a target set between them waits for the next)."""
        if self._cadence is not None and not self._cadence.every_bar:
            return self._cadence.steps(timeline)
        moments = []
        for symbol, targets in self._arrays.items():
            first = self._offsets.get(symbol, 0)
            traded = targets[first:]
            if len(traded) == 0:
                continue
            changes = np.flatnonzero(np.diff(traded)) + 1
            if traded[0] != 0:
                changes = np.concatenate(([0], changes))
            stamps = self._inputs[symbol].candles.ts[changes + first]
            moments.append(np.searchsorted(timeline, stamps))
        if not moments:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(moments)).astype(np.int64)

    def decide(self, view: StepView) -> Decision | None:
        actions: list[SymbolDecision] = []
        for symbol, index in view.bars.items():
            targets = self._targets.get(symbol)
            if targets is None:
                continue
            position = index + self._offsets.get(symbol, 0)
            target = targets[position]
            if target == self._held[symbol]:
                continue
            actions.extend(self._change(view, symbol, position, target))
            self._held[symbol] = target
            self.targets_decided.append((view.ts, symbol, target))
        if not actions:
            return None
        return Decision(view.ts, tuple(actions))

    def _change(
        self, view: StepView, symbol: str, index: int, target: float
    ) -> list[SymbolDecision]:
        reason = self._strategy.explain(self._inputs[symbol], index, self._arrays[symbol])
        price = float(self._inputs[symbol].candles.close[index])
        return target_actions(view, symbol, price, target, self._sizing, self._share, reason)


def target_actions(
    view: StepView,
    symbol: str,
    price: float,
    target: float,
    sizing: Sizing,
    share: float,
    reason: str,
) -> list[SymbolDecision]:
    """The actions that move ``symbol`` to ``target`` (in [-1, 1]) from what is held: a close
    when the side changes or the target is flat, an entry sized by ``sizing`` when it is not
    (after a close, on the equity the close's fee at ``price`` leaves; no entry when no equity
    is left). A position already on the target's side is kept as it is."""
    held = held_position(view.positions, symbol)  # one side at a time, even when hedged
    actions = []
    equity = view.equity
    if held is not None and (target == 0 or (held.quantity > 0) != (target > 0)):
        actions.append(SymbolDecision(symbol, Signal.CLOSE, justification=reason))
        equity -= held.notional(price) * sizing.fee_rate  # the close's fee leaves with it
    elif held is not None:
        return []  # same direction, different strength: keep the position as it is
    notional = sizing.notional(equity, target, share)
    if notional > 0:  # none when nothing is left to size with (a liquidated account)
        long = target > 0
        actions.append(
            SymbolDecision(
                symbol,
                Signal.BUY_TO_ENTER if long else Signal.SELL_TO_ENTER,
                notional=notional,
                leverage=sizing.leverage,
                justification=reason,
                stop_loss_fraction=sizing.stop_loss,
                take_profit_fraction=sizing.take_profit,
            )
        )
    return actions
