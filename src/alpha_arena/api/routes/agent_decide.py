"""``POST /agents/{name}/decide``: one decision by a registered agent outside any season, on the
stored market data (as ``arena agent decide``). Its LLM calls are recorded like any other (the
agent's /llm-calls); nothing is traded."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from alpha_arena.agents.llm.caller import CacheMode
from alpha_arena.api.errors import WRITE_RESPONSES, ErrorBody
from alpha_arena.api.routes.market import EXCHANGE_PATTERN, SYMBOL_PATTERN
from alpha_arena.api.security import refuse_nul, require_reader, require_writer
from alpha_arena.api.state import context_of
from alpha_arena.core.time import parse_ts, to_iso
from alpha_arena.domain.decisions import SymbolDecision
from alpha_arena.services.context import AppContext
from alpha_arena.services.one_off_decisions import DEFAULT_SYMBOLS, decide_now

router = APIRouter(prefix="/agents", tags=["agents"],
                   dependencies=[Depends(require_reader), Depends(refuse_nul)])  # fmt: skip

BTC = "BTC/USDT:USDT"
Symbol = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=SYMBOL_PATTERN)]
AgentName = Annotated[str, Path(min_length=1, max_length=64, examples=["ema-fast"])]


class DecideRequest(BaseModel):
    """Where and when to decide; everything may be left out."""

    model_config = ConfigDict(extra="forbid")

    at: str | None = Field(
        default=None, max_length=40, examples=["2025-03-01T12:00"],
        description="The moment (UTC, ISO-8601): the agent sees the bars closed by then. "
        "Default: the newest moment every chosen symbol has a closed bar for.",
    )  # fmt: skip
    symbols: list[Symbol] | None = Field(
        default=None, min_length=1, max_length=len(DEFAULT_SYMBOLS) * 4, examples=[[BTC]],
        description=f"Default: those of {', '.join(DEFAULT_SYMBOLS)} stored on `exchange`.",
    )  # fmt: skip
    exchange: str = Field(
        default="binance", max_length=32, pattern=EXCHANGE_PATTERN, examples=["binance"],
        description="Whose stored market data to decide on.",
    )  # fmt: skip
    capital: float = Field(
        default=10_000.0, gt=0, le=1e12, examples=[10_000.0],
        description="The flat account's equity (USDT) the agent sizes from.",
    )  # fmt: skip
    llm_cache: Literal["off", "read", "write", "readwrite"] = Field(
        default="readwrite",
        description="The LLM response cache: `readwrite` answers a prompt asked before from the "
        "cache (no cost), `write` always asks the model, `read` only the cache, `off` neither.",
    )


class ActionOut(BaseModel):
    symbol: str = Field(examples=[BTC])
    signal: str = Field(examples=["buy_to_enter"], description="buy_to_enter, sell_to_enter, "
                        "hold or close.")  # fmt: skip
    quantity: float | None = Field(examples=[None])
    notional: float | None = Field(examples=[4_950.0], description="Size in USDT, if given.")
    leverage: float = Field(examples=[2.0])
    take_profit: float | None = Field(examples=[None])
    stop_loss: float | None = Field(examples=[61_250.0])
    invalidation: str = Field(examples=["a 4h close below 60,000"])
    confidence: float = Field(examples=[0.7])
    justification: str = Field(examples=["ema_trend: EMA12 62,010 above EMA26 61,480 -> long"])


class OneOffDecisionOut(BaseModel):
    agent: str = Field(examples=["ema-fast"])
    timeframe: str = Field(examples=["1h"], description="The agent's bar length.")
    symbols: list[str] = Field(examples=[[BTC]], description="The symbols it was asked about.")
    ts: int = Field(examples=[1740830400000], description="The moment decided at, epoch ms.")
    time: str = Field(examples=["2025-03-01T12:00:00Z"])
    reasoning: str = Field(examples=["every target is flat: hold"])
    actions: list[ActionOut] = Field(description="What it would do, in order; none: hold all.")
    valid: bool = Field(
        examples=[True], description="False when the model's answer did not parse (a hold)."
    )
    llm_calls: int = Field(examples=[0], description="Model calls made (see /llm-calls).")
    cost_usd: float | None = Field(
        examples=[0.0], description="What those calls cost; null when a model's price is unknown."
    )
    prompt: str | None = Field(
        examples=[None], description="The prompt an LLM agent was sent; null for the others."
    )


def _action_out(action: SymbolDecision) -> ActionOut:
    return ActionOut(
        symbol=action.symbol, signal=action.signal.value, quantity=action.quantity,
        notional=action.notional, leverage=action.leverage, take_profit=action.take_profit,
        stop_loss=action.stop_loss, invalidation=action.invalidation,
        confidence=action.confidence, justification=action.justification,
    )  # fmt: skip


@router.post(
    "/{name}/decide",
    response_model=OneOffDecisionOut,
    summary="Ask an agent for one decision on the stored market data (no season, no orders)",
    description="The context a season builds for it, from a flat account of `capital`. LLM "
    "agents' calls are recorded (and cost) like any other; a model out of reach is 502.",
    dependencies=[Depends(require_writer)],
    responses={**WRITE_RESPONSES, 502: {"model": ErrorBody, "description": "The agent failed"}},
)
def decide(
    name: AgentName,
    context: Annotated[AppContext, Depends(context_of)],
    body: Annotated[DecideRequest | None, Body()] = None,
) -> OneOffDecisionOut:
    request = body or DecideRequest()
    done = decide_now(
        context, name, None if request.at is None else parse_ts(request.at), request.symbols,
        request.exchange, request.capital, CacheMode(request.llm_cache),
    )  # fmt: skip
    decision = done.result.decision
    return OneOffDecisionOut(
        agent=done.agent, timeframe=done.timeframe, symbols=list(done.symbols), ts=decision.ts,
        time=to_iso(decision.ts), reasoning=decision.reasoning,
        actions=[_action_out(action) for action in decision.actions], valid=done.result.valid,
        llm_calls=done.result.llm_calls, cost_usd=done.result.cost_usd, prompt=done.result.prompt,
    )  # fmt: skip
