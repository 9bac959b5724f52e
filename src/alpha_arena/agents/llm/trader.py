"""The LLM trader: decision context -> prompt -> model -> parsed, validated decision.

Every call is returned as an audit record (prompt version, model, parameters, messages, raw
response, parsed decision or the error, tokens, latency, cost). Responses are cached by a hash
of the request, so a replay with the cache in ``read`` mode makes no network call and gets the
same answers. Untrusted output that does not parse gets one repair round-trip quoting the
error; a decision from its answer is marked repaired, and if that fails too, the decision is an
explicit hold marked invalid. A call cut off at the decision deadline leaves its record in the
trail it was given before the cancellation goes on (see ``LlmCaller``)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from alpha_arena.agents.context import DecisionContext
from alpha_arena.agents.llm.caller import CacheMode, CallSettings, LlmCaller, ResponseCache
from alpha_arena.agents.llm.parsing import parse_decision, repair_prompt
from alpha_arena.agents.llm.prompts import RenderedPrompt, render
from alpha_arena.agents.llm.providers import LlmMessage, LlmProvider
from alpha_arena.agents.tape import HIDDEN_EXCHANGE, TapeMask
from alpha_arena.core.clock import Clock
from alpha_arena.domain.decisions import Decision, DecisionOutcome
from alpha_arena.domain.llm import LlmCall


@dataclass(frozen=True, slots=True)
class TraderSettings:
    provider: str
    model: str
    template: str
    prompt_version_id: int | None = None
    temperature: float = 0.0
    max_tokens: int = 2000
    json_mode: bool = True
    max_leverage: float = 10.0
    exchange: str = "binance"
    leverage_cap: float | None = None  # the season's risk limit, when there is one


@dataclass(frozen=True, slots=True)
class TraderOutcome:
    decision: Decision
    valid: bool
    prompt: str  # the rendered user prompt
    calls: tuple[LlmCall, ...]  # this decision's calls


class LlmTrader:
    def __init__(
        self,
        settings: TraderSettings,
        provider: LlmProvider | None,
        cache: ResponseCache | None,
        cache_mode: CacheMode,
        clock: Clock,
        agent_id: int | None = None,
        deadline_s: float | None = None,
        endpoint: str | None = None,
        tape: TapeMask | None = None,
    ) -> None:
        """``deadline_s``: the decision deadline it runs under (a season's), None for none;
        ``endpoint``: the agent's own base URL, when it names one (part of the cache key);
        ``tape``: an anonymized season's mask: the model is shown the masked context (and
        no exchange name), and its decision is mapped back to the real market."""
        self._tape = tape
        if tape is not None:
            settings = replace(settings, exchange=HIDDEN_EXCHANGE)
        self._settings = settings
        call_settings = CallSettings(
            settings.provider, settings.model, settings.temperature, settings.max_tokens,
            settings.json_mode, settings.prompt_version_id, endpoint,
        )  # fmt: skip
        self._caller = LlmCaller(
            call_settings, provider, cache, cache_mode, clock, agent_id, deadline_s
        )

    async def decide(
        self, context: DecisionContext, calls: list[LlmCall] | None = None
    ) -> TraderOutcome:
        """Ask the model for a decision at ``context``; append every call to ``calls`` as it
        is made (a participant's trail: a call cut off at the deadline must reach it too)."""
        tape = self._tape
        if tape is not None:  # from here on the context is what the model is shown
            context = tape.mask_context(context)
        settings = self._settings
        prompt = render(
            settings.template, context, settings.exchange, settings.max_leverage,
            leverage_cap=settings.leverage_cap,
        )  # fmt: skip
        if tape is not None:  # a template's literal coin names (its format example)
            prompt = RenderedPrompt(tape.scrub(prompt.system), tape.scrub(prompt.user))
        symbols = [coin.symbol for coin in context.coins]
        messages = [LlmMessage("system", prompt.system), LlmMessage("user", prompt.user)]
        trail: list[LlmCall] = [] if calls is None else calls
        first = len(trail)
        text = await self._caller.ask(messages, trail)
        result = parse_decision(text or "", symbols, context.ts) if text is not None else None
        outcome = DecisionOutcome.VALID
        if result is not None and not result.ok and result.error is not None:
            messages += [
                LlmMessage("assistant", text or ""),
                LlmMessage("user", self._repair(result.error, context)),
            ]
            text = await self._caller.ask(messages, trail)
            result = parse_decision(text or "", symbols, context.ts) if text else None
            outcome = DecisionOutcome.REPAIRED
        made = trail[first:]
        if result is not None and result.ok and result.decision is not None:
            decision = Decision(context.ts, result.decision.actions, result.reasoning, outcome)
            decision = decision if tape is None else tape.unmask_decision(decision)
            trail[-1] = _with_parsed(trail[-1], decision)
            return TraderOutcome(decision, True, prompt.user, (*made[:-1], trail[-1]))
        reason = made[-1].error if made else "no answer"
        hold = Decision(
            context.ts, (), f"invalid model output, holding: {reason}", DecisionOutcome.INVALID
        )
        hold = hold if tape is None else tape.unmask_decision(hold)
        return TraderOutcome(hold, False, prompt.user, tuple(made))

    def _repair(self, error: str, context: DecisionContext) -> str:
        """The repair request; on an anonymized tape its example is a masked coin at prices
        near its masked price, and no real coin name is left in it."""
        symbols = [coin.symbol for coin in context.coins]
        tape = self._tape
        if tape is None:
            return repair_prompt(error, symbols)
        example = None
        if context.coins:
            coin = context.coins[0]
            target, stop = (float(f"{coin.price * ratio:.4g}") for ratio in (1.05, 0.95))
            example = (coin.symbol.split("/")[0], target, stop)
        return tape.scrub(repair_prompt(error, symbols, example))


def _with_parsed(call: LlmCall, decision: Decision) -> LlmCall:
    parsed = {
        "reasoning": decision.reasoning,
        "actions": [
            {"symbol": a.symbol, "signal": a.signal.value, "quantity": a.quantity,
             "notional": a.notional, "leverage": a.leverage, "take_profit": a.take_profit,
             "stop_loss": a.stop_loss, "invalidation": a.invalidation,
             "confidence": a.confidence, "justification": a.justification}
            for a in decision.actions
        ],
    }  # fmt: skip
    return replace(call, parsed_decision=parsed, error=None)
