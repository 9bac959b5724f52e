"""The strategy selector: a language model picks, per symbol, which library strategy trades it,
from a description of the market regime. It never changes a strategy's parameters; the chosen
strategy's own causal targets decide the trades.

The regime shown per symbol: ADX(14) (trend strength), Bollinger band width (20, 2) against its
range over the last 200 bars (a squeeze or an expansion), and the 4-bar return. The model
answers ``{"reasoning": ..., "selections": {"BTC": "ema_trend", ...}}``; an unknown strategy or
an unreadable answer keeps the previous choice (flat at first) and is recorded as invalid (the
decision of that step has the outcome ``invalid``)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from alpha_arena.agents.llm.caller import LlmCaller
from alpha_arena.agents.llm.parsing import ParseError, extract_json
from alpha_arena.agents.llm.providers import LlmMessage
from alpha_arena.agents.strategy_agent import (
    Sizing,
    extended_targets,
    require_same_symbols,
    signal_targets,
    target_actions,
)
from alpha_arena.agents.tape import TapeMask
from alpha_arena.core.errors import AgentError
from alpha_arena.domain.decisions import Decision, DecisionOutcome, SymbolDecision
from alpha_arena.domain.llm import LlmCall
from alpha_arena.domain.market import Candles, FloatArray, IntArray
from alpha_arena.engine.participant import Cadence, StepView
from alpha_arena.indicators import adx, bollinger
from alpha_arena.strategies.base import Strategy, StrategyInput
from alpha_arena.strategies.regime import DEFAULT_THRESHOLDS, RegimeThresholds

FLAT = "flat"
_REGIME_BARS = 200


@dataclass(frozen=True, slots=True)
class Regime:
    symbol: str
    adx: float
    band_width: float
    band_width_percentile: float  # where today's width sits in the last 200 bars, 0..100
    return_4_bars: float

    def describe(self, thresholds: RegimeThresholds = DEFAULT_THRESHOLDS) -> str:
        """One line for the model, naming the regime by the season's ``thresholds``."""
        trend = "strong trend" if self.adx >= thresholds.trend_adx else "weak or no trend"
        squeeze = (
            "bands squeezed" if self.band_width_percentile <= thresholds.squeeze_percentile
            else "bands wide" if self.band_width_percentile >= 80 else "bands normal"
        )  # fmt: skip
        return (
            f"{self.symbol}: ADX14 {self.adx:.1f} ({trend}); Bollinger width "
            f"{self.band_width:.4f}, percentile {self.band_width_percentile:.0f} ({squeeze}); "
            f"last 4 bars {self.return_4_bars * 100:+.2f}%"
        )


def regime_of(symbol: str, candles: Candles) -> Regime:
    """The regime at the last of ``candles`` (only those bars are read)."""
    recent = candles.slice(max(len(candles) - _REGIME_BARS, 0), len(candles))
    strength = adx(recent.high, recent.low, recent.close, 14)
    width = bollinger(recent.close, 20, 2.0).width
    known = width[~np.isnan(width)]
    current = float(width[-1]) if len(width) else math.nan
    percentile = float((known <= current).mean() * 100) if len(known) else 50.0
    back = recent.close[-5] if len(recent) >= 5 else recent.close[0]
    return Regime(symbol, float(strength[-1]), current, percentile,
                  float(recent.close[-1] / back - 1))  # fmt: skip


class StrategySelector:
    """An asynchronous participant; re-selects every ``reselect_every`` decision steps."""

    def __init__(
        self,
        name: str,
        caller: LlmCaller,
        strategies: Mapping[str, Strategy],
        inputs: Mapping[str, StrategyInput],
        sizing: Sizing,
        offsets: Mapping[str, int] | None = None,
        reselect_every: int = 24,
        tape: TapeMask | None = None,
        cadence: Cadence | None = None,
        thresholds: RegimeThresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        """``tape``: an anonymized season's mask: the model sees masked coin names.
        ``thresholds``: the season's, by which the regimes it is shown are named.
        ``cadence``: when it decides, where the run steps through shorter bars than its own
        (None: at every step); ``reselect_every`` counts its own decision steps."""
        if reselect_every < 1:
            raise ValueError("reselect_every must be at least 1")
        self._name = name
        self._caller = caller
        self._strategies = dict(strategies)
        self._inputs = dict(inputs)
        self._sizing = sizing
        self._offsets = dict(offsets or {})
        self._reselect_every = reselect_every
        self._tape = tape
        self._cadence = cadence
        self._thresholds = thresholds
        self._share = 1.0 / max(len(self._inputs), 1)
        # Targets of every candidate strategy, computed once (they are causal).
        self._arrays: dict[str, dict[str, FloatArray]] = {
            name: {symbol: signal_targets(strategy, data) for symbol, data in self._inputs.items()}
            for name, strategy in self._strategies.items()
        }
        self._targets = _lists(self._arrays)
        self._chosen = dict.fromkeys(self._inputs, FLAT)
        self._held = dict.fromkeys(self._inputs, 0.0)
        self._asked = 0
        self.calls: list[LlmCall] = []
        self.invalid_outputs = 0

    def extend(self, inputs: Mapping[str, StrategyInput]) -> None:
        """Go on with ``inputs``: the same symbols' inputs with newly closed bars at their end
        (a paper or live season following the market); what was decided stays as it is."""
        require_same_symbols(self._name, self._inputs, inputs)
        self._arrays = {
            name: {
                symbol: extended_targets(self._name, strategy, self._arrays[name][symbol], data)
                for symbol, data in inputs.items()
            }
            for name, strategy in self._strategies.items()
        }
        self._targets = _lists(self._arrays)
        self._inputs = dict(inputs)

    @property
    def name(self) -> str:
        return self._name

    @property
    def chosen(self) -> Mapping[str, str]:
        return self._chosen

    def decision_steps(self, timeline: IntArray) -> IntArray | None:
        return None if self._cadence is None else self._cadence.steps(timeline)

    def decide(self, view: StepView) -> Decision | None:
        raise AgentError(f"{self._name} is asked asynchronously (decide_async)")

    async def decide_async(self, view: StepView) -> Decision | None:
        reasoning = ""
        outcome = DecisionOutcome.VALID
        if self._asked % self._reselect_every == 0:
            invalid_before = self.invalid_outputs
            reasoning = await self._select(view)
            if self.invalid_outputs > invalid_before:
                outcome = DecisionOutcome.INVALID
        self._asked += 1
        actions: list[SymbolDecision] = []
        for symbol, index in view.bars.items():
            if symbol not in self._inputs:
                continue
            position = index + self._offsets.get(symbol, 0)
            chosen = self._chosen[symbol]
            target = 0.0 if chosen == FLAT else self._targets[chosen][symbol][position]
            if target == self._held[symbol]:
                continue
            price = float(self._inputs[symbol].candles.close[position])
            why = f"selector chose {chosen}: target {target:+.2f}"
            actions += target_actions(view, symbol, price, target, self._sizing, self._share, why)
            self._held[symbol] = target
        if not actions and not reasoning:
            return None
        return Decision(view.ts, tuple(actions), reasoning, outcome)

    async def _select(self, view: StepView) -> str:
        regimes = [
            regime_of(symbol, self._inputs[symbol].candles.slice(
                0, index + self._offsets.get(symbol, 0) + 1))
            for symbol, index in view.bars.items() if symbol in self._inputs
        ]  # fmt: skip
        if not regimes:
            return ""
        shown = [replace(r, symbol=self._shown(r.symbol)) for r in regimes]
        if self._tape is not None:  # in masked order: the real one would tell which is which
            shown.sort(key=lambda r: r.symbol)
        messages = [
            LlmMessage("system", self._system_prompt()),
            LlmMessage("user", "\n".join(r.describe(self._thresholds) for r in shown)),
        ]
        text = await self._caller.ask(messages, self.calls)
        chosen, error = self._parse(text, [r.symbol for r in regimes])
        if error:
            self.invalid_outputs += 1
            return f"selection kept: {error}"
        self._chosen.update(chosen)
        self.calls[-1] = _ok(self.calls[-1], chosen)
        return "selected " + ", ".join(f"{s}: {n}" for s, n in sorted(chosen.items()))

    def _shown(self, symbol: str) -> str:
        """The coin's name as the model sees it: its masked name on an anonymized tape."""
        return symbol if self._tape is None else self._tape.mask_symbol(symbol)

    def _system_prompt(self) -> str:
        menu = "\n".join(
            f"- {name}: {(type(s).__doc__ or '').strip().splitlines()[0]}"
            for name, s in self._strategies.items()
        )
        # The format example names BTC, or on an anonymized tape the first masked coin.
        example = "BTC" if self._tape is None else self._tape.example_coin
        text = (
            "You choose which rule-based strategy trades each coin next, from the market regime "
            "shown for it. You cannot change a strategy's parameters. Strategies:\n"
            f"{menu}\n- {FLAT}: stay out of the market.\n"
            'Answer with one JSON object: {"reasoning": "<short>", "selections": '
            f'{{"{example}": "<strategy name>"}}}} naming one strategy for every coin shown.'
        )
        return text if self._tape is None else self._tape.scrub(text)

    def _parse(self, text: str | None, symbols: list[str]) -> tuple[dict[str, str], str]:
        if text is None:
            return {}, "no answer"
        try:
            answer = json.loads(extract_json(text))
        except (ParseError, ValueError) as error:
            return {}, str(error).splitlines()[0]
        raw = answer.get("selections") if isinstance(answer, dict) else None
        if not isinstance(raw, dict):
            return {}, "the answer has no 'selections' object"
        by_base = {self._shown(symbol).split("/")[0]: symbol for symbol in symbols}
        chosen: dict[str, str] = {}
        for coin, name in raw.items():
            symbol = by_base.get(str(coin).upper().split("/")[0])
            if symbol is None:
                return {}, f"unknown coin {coin!r}"
            if name != FLAT and name not in self._strategies:
                return {}, f"unknown strategy {name!r} for {coin}"
            chosen[symbol] = str(name)
        return chosen, ""


def _ok(call: LlmCall, chosen: Mapping[str, str]) -> LlmCall:
    return replace(call, parsed_decision={"selections": dict(chosen)}, error=None)


def _lists(arrays: Mapping[str, Mapping[str, FloatArray]]) -> dict[str, dict[str, list[float]]]:
    # Plain lists for the per-step lookups (see engine.feed.SymbolSeries).
    return {
        name: {symbol: targets.tolist() for symbol, targets in by_symbol.items()}
        for name, by_symbol in arrays.items()
    }
