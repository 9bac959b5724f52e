"""The strategy library, as `arena strategies list --json` shows it: rules and parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from alpha_arena.api.errors import ERROR_RESPONSES
from alpha_arena.api.pagination import Page, Window, page, window
from alpha_arena.api.security import refuse_nul, require_reader
from alpha_arena.api.state import context_of
from alpha_arena.core.errors import NotFoundError
from alpha_arena.services.context import AppContext
from alpha_arena.strategies import registry
from alpha_arena.strategies.registry import StrategyInfo

router = APIRouter(prefix="/strategies", tags=["strategies"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader), Depends(refuse_nul)])  # fmt: skip


class ParamOut(BaseModel):
    name: str = Field(examples=["fast"])
    type: str = Field(examples=["int"], description="int, float, bool or str.")
    # bool first would read 1 as True; pydantic's smart union keeps each value's own type.
    default: int | float | bool | str = Field(examples=[12])


class StrategyOut(BaseModel):
    name: str = Field(examples=["ema_trend"], description="What an agent's `strategy` names.")
    summary: str = Field(examples=["Follow the trend of two EMAs of the close."])
    rule: str = Field(
        examples=["Follow the trend of two EMAs of the close.\n\nLong while EMA(fast) is above "
                  "EMA(slow); short while it is below …"],
    )  # fmt: skip
    params: list[ParamOut] = Field(
        description='Set them as strings in an agent\'s `params`, e.g. {"fast": "12"}.'
    )
    enabled: bool = Field(
        examples=[True],
        description="False when ARENA_DISABLED_STRATEGIES names it: new agents, backtests "
        "and seasons may not use it; stored results that used it stay readable.",
    )


def _described(context: AppContext) -> list[StrategyInfo]:
    return registry.describe(registry.disabled(context.settings.disabled_strategies))


def _strategy_out(info: StrategyInfo) -> StrategyOut:
    return StrategyOut(
        name=info.name, summary=info.summary, rule=info.rule,
        params=[ParamOut(name=p.name, type=p.type, default=p.default) for p in info.params],
        enabled=info.enabled,
    )  # fmt: skip


@router.get("", response_model=Page[StrategyOut], summary="Every strategy in the library")
def list_strategies(
    at: Annotated[Window, Depends(window)], context: Annotated[AppContext, Depends(context_of)]
) -> Page[StrategyOut]:
    return page([_strategy_out(info) for info in _described(context)], at)


@router.get("/{name}", response_model=StrategyOut, summary="One strategy: rule and parameters")
def get_strategy(
    name: Annotated[str, Path(max_length=64, examples=["ema_trend"])],
    context: Annotated[AppContext, Depends(context_of)],
) -> StrategyOut:
    for info in _described(context):
        if info.name == name:
            return _strategy_out(info)
    raise NotFoundError(f"no strategy named {name!r}; known: {', '.join(registry.names())}")
