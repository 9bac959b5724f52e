"""Agent configurations: what ``arena agent add`` accepts, validated at the boundary.

A configuration never holds an API key, only the provider's name; the key is read from the
provider's environment variable when the agent runs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from alpha_arena.agents.llm.providers.registry import PROVIDERS
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.strategies import registry


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StrategyAgentConfig(_Config):
    """A library strategy (baselines included) trading its target positions."""

    kind: Literal["strategy"] = "strategy"
    strategy: str
    params: dict[str, str] = Field(default_factory=dict)
    symbols: list[str] | None = None  # None: every symbol it is given (a season's symbols)
    timeframe: str = "1h"
    leverage: float = Field(default=1.0, gt=0, le=125)
    stop_loss: float | None = Field(default=None, gt=0, lt=1)
    take_profit: float | None = Field(default=None, gt=0, lt=1)


class LlmAgentConfig(_Config):
    """A language model trading from the decision context and the prompt."""

    kind: Literal["llm"] = "llm"
    provider: str
    model: str
    prompt: str = "alpha_arena_trader"
    prompt_version: int | None = Field(default=None, ge=1)  # None: the newest version
    timeframe: str = "1h"
    temperature: float = Field(default=0.0, ge=0, le=2)
    max_tokens: int = Field(default=2000, ge=64, le=32_000)
    max_leverage: float = Field(default=10.0, gt=0, le=125)


class PortfolioAgentConfig(_Config):
    """A regime-weighted blend of library strategies, weights learned from stored backtests."""

    kind: Literal["portfolio"] = "portfolio"
    top_n: int = Field(default=3, ge=1, le=20)
    timeframe: str = "1h"
    leverage: float = Field(default=1.0, gt=0, le=125)  # the global leverage cap


class SelectorAgentConfig(_Config):
    """A language model choosing a library strategy per coin from the market regime."""

    kind: Literal["selector"] = "selector"
    provider: str
    model: str
    strategies: list[str] = Field(
        default_factory=lambda: [n for n in registry.names() if n != "flat"]
    )
    reselect_every: int = Field(default=24, ge=1, le=10_000)  # decision steps between choices
    timeframe: str = "1h"
    leverage: float = Field(default=1.0, gt=0, le=125)
    temperature: float = Field(default=0.0, ge=0, le=2)


AnyAgentConfig = StrategyAgentConfig | LlmAgentConfig | PortfolioAgentConfig | SelectorAgentConfig
AgentConfig = Annotated[AnyAgentConfig, Field(discriminator="kind")]
_ADAPTER: TypeAdapter[AnyAgentConfig] = TypeAdapter(AgentConfig)


def parse_config(values: dict[str, Any]) -> AnyAgentConfig:
    """Validate a configuration; a problem becomes one line naming the field."""
    try:
        config = _ADAPTER.validate_python(values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "configuration"
        raise InvalidInputError(f"agent {where}: {first['msg']}") from None
    if isinstance(config, StrategyAgentConfig):
        registry.create(config.strategy, config.params)  # unknown strategy or bad params
    if isinstance(config, LlmAgentConfig | SelectorAgentConfig) and (
        config.provider not in PROVIDERS
    ):
        raise InvalidInputError(
            f"unknown LLM provider {config.provider!r}; accepted: {', '.join(PROVIDERS)}"
        )
    if isinstance(config, SelectorAgentConfig):
        for name in config.strategies:
            registry.strategy_type(name)
    return config
