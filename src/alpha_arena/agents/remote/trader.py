"""A remote agent as a trader: decision context -> signed JSON request -> its answer ->
the same parsed, validated decision an LLM trader's answer becomes.

The request goes through ``LlmCaller``: recorded as an LLM call (provider ``remote``, model
the endpoint's host, cost 0) and answered from the response cache when the same request was
answered before, so a replayed season asks the bot nothing. There is no repair round-trip: an
answer that does not parse is a recorded invalid decision and a hold. A bot that has not
answered by the deadline is cut off and holds; the cut-off is cached, so its replay holds at
the same decision without a request (``LlmCaller``)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Protocol

from alpha_arena.agents.context import DecisionContext
from alpha_arena.agents.llm.caller import CacheMode, CallSettings, LlmCaller, ResponseCache
from alpha_arena.agents.llm.parsing import parse_decision
from alpha_arena.agents.llm.providers.base import LlmMessage, LlmProvider
from alpha_arena.agents.llm.trader import TraderOutcome
from alpha_arena.agents.remote.endpoint import MAX_ANSWER_BYTES, PROVIDER, endpoint_host
from alpha_arena.agents.remote.wire import request_body
from alpha_arena.core.clock import Clock
from alpha_arena.domain.decisions import Decision, DecisionOutcome, SymbolDecision, missed_deadline
from alpha_arena.domain.llm import LlmCall


class ContextMask(Protocol):
    """An anonymized season's tape (``agents.tape.TapeMask``): the market the agent is shown."""

    def mask_context(self, context: DecisionContext) -> DecisionContext: ...

    def unmask_decision(self, decision: Decision) -> Decision: ...


class RemoteTrader:
    def __init__(
        self,
        url: str,
        endpoint: LlmProvider | None,
        cache: ResponseCache | None,
        cache_mode: CacheMode,
        clock: Clock,
        deadline_s: float,
        max_leverage: float,
        agent_id: int | None = None,
        tape: ContextMask | None = None,
    ) -> None:
        """``endpoint``: the bot's client (None: answers only from the cache); ``deadline_s``:
        how long the bot may take per decision (the agent's, or the season's when shorter);
        ``tape``: an anonymized season's mask, applied to the context the bot is sent and
        taken off the decision it answers."""
        # No sampling parameters: max_tokens records the answer's bound in bytes.
        settings = CallSettings(
            PROVIDER, endpoint_host(url), 0.0, MAX_ANSWER_BYTES, True, endpoint=url
        )
        self._caller = LlmCaller(settings, endpoint, cache, cache_mode, clock, agent_id, deadline_s)
        self._deadline_s = deadline_s
        self._max_leverage = max_leverage
        self._tape = tape

    async def decide(
        self, context: DecisionContext, calls: list[LlmCall] | None = None
    ) -> TraderOutcome:
        """Ask the bot for a decision at ``context``; append the call to ``calls`` as it is
        made (cut off at the deadline included)."""
        real_ts = context.ts
        if self._tape is not None:
            context = self._tape.mask_context(context)
        body = request_body(context, self._max_leverage, self._deadline_s)
        trail: list[LlmCall] = [] if calls is None else calls
        first = len(trail)
        try:
            async with asyncio.timeout(self._deadline_s):
                text = await self._caller.ask([LlmMessage("user", body)], trail)
        except TimeoutError:  # cut off now, or a cut-off replayed from the cache
            hold = missed_deadline(real_ts, self._deadline_s)
            return TraderOutcome(hold, False, body, tuple(trail[first:]))
        if text is None:
            reason = trail[-1].error if len(trail) > first else "no answer"
            return _invalid(real_ts, body, trail[first:], reason)
        result = parse_decision(text, [coin.symbol for coin in context.coins], context.ts)
        if not result.ok or result.decision is None:
            trail[-1] = replace(trail[-1], error=f"invalid answer: {result.error}")
            return _invalid(real_ts, body, trail[first:], trail[-1].error)
        actions = tuple(self._clamped(action) for action in result.decision.actions)
        decision = Decision(context.ts, actions, result.reasoning, DecisionOutcome.VALID)
        trail[-1] = replace(trail[-1], parsed_decision=parsed_record(decision), error=None)
        if self._tape is not None:  # the bot traded the masked market: back to the real one
            decision = self._tape.unmask_decision(decision)
        return TraderOutcome(decision, True, body, tuple(trail[first:]))

    def _clamped(self, action: SymbolDecision) -> SymbolDecision:
        if action.leverage <= self._max_leverage:
            return action
        return replace(action, leverage=self._max_leverage)


def _invalid(ts: int, body: str, made: list[LlmCall], reason: str | None) -> TraderOutcome:
    hold = Decision(
        ts, (), f"invalid remote agent answer, holding: {reason or 'no answer'}",
        DecisionOutcome.INVALID,
    )  # fmt: skip
    return TraderOutcome(hold, False, body, tuple(made))


def parsed_record(decision: Decision) -> dict[str, object]:
    """The decision as the audit record keeps it (as for an LLM trader's)."""
    return {
        "reasoning": decision.reasoning,
        "actions": [
            {"symbol": a.symbol, "signal": a.signal.value, "quantity": a.quantity,
             "notional": a.notional, "leverage": a.leverage, "take_profit": a.take_profit,
             "stop_loss": a.stop_loss, "invalidation": a.invalidation,
             "confidence": a.confidence, "justification": a.justification}
            for a in decision.actions
        ],
    }  # fmt: skip
