"""Agent configurations: what ``arena agent add`` accepts, validated at the boundary.

A configuration never holds an API key, only the provider's name and optionally the name of
the environment variable holding the key (``api_key_env``); the key is read from it (or from
the provider's variable) when the agent runs."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from alpha_arena.agents.llm.providers.registry import PROVIDERS, ModelPrice
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


_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,127}")


class _ModelAccess(_Config):
    """Where an LLM-driven agent's model lives and what it costs, when not the provider's.

    ``base_url``: the agent's own endpoint (a local vLLM next to a hosted model), before
    ``ARENA_LLM_BASE_URL`` and the provider's. ``api_key_env``: the environment variable that
    holds its key (its name, never the key). ``input_usd_per_mtok`` / ``output_usd_per_mtok``:
    its price per million tokens, both or neither; without them the provider's price table
    is used, and a model missing from it has an unknown cost."""

    base_url: str | None = Field(default=None, max_length=512)
    api_key_env: str | None = Field(default=None, max_length=128)
    input_usd_per_mtok: float | None = Field(default=None, ge=0, le=100_000)
    output_usd_per_mtok: float | None = Field(default=None, ge=0, le=100_000)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            parts = urlsplit(value)
            has_credentials = parts.username is not None or parts.password is not None
        except ValueError:
            parts, has_credentials = None, False
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("base_url must be an http(s) URL, e.g. http://localhost:8000/v1")
        if has_credentials or any(c.isspace() for c in value):
            raise ValueError("base_url must not hold credentials or spaces; use api_key_env")
        return value

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ValueError(
                "api_key_env must name an environment variable (A-Z, 0-9 and _, e.g. "
                "MY_LLM_KEY), not hold the key itself"
            )
        return value

    @model_validator(mode="after")
    def _both_prices_or_neither(self) -> Self:
        if (self.input_usd_per_mtok is None) != (self.output_usd_per_mtok is None):
            raise ValueError("give both input_usd_per_mtok and output_usd_per_mtok, or neither")
        return self

    def price(self) -> ModelPrice | None:
        """Return the agent's own price, or None to use the provider's price table."""
        if self.input_usd_per_mtok is None or self.output_usd_per_mtok is None:
            return None
        return ModelPrice(self.input_usd_per_mtok, self.output_usd_per_mtok)


class LlmAgentConfig(_ModelAccess):
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


class SelectorAgentConfig(_ModelAccess):
    """A language model choosing a library strategy per coin from the market regime."""

    kind: Literal["selector"] = "selector"
    provider: str
    model: str
    strategies: list[str] = Field(
        # Not flat (nothing to choose) nor a cautionary example (refused live).
        default_factory=lambda: [
            n for n in registry.names() if n != "flat" and registry.strategy_type(n).live_trading
        ]
    )
    reselect_every: int = Field(default=24, ge=1, le=10_000)  # decision steps between choices
    timeframe: str = "1h"
    leverage: float = Field(default=1.0, gt=0, le=125)
    temperature: float = Field(default=0.0, ge=0, le=2)


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class RemoteAgentConfig(_Config):
    """An agent built elsewhere, asked over HTTPS: the engine POSTs the signed decision context
    to ``url`` and waits up to ``deadline_s`` for the decision (docs/remote-agents.md). Its
    HMAC secret is never part of the configuration: it is stored encrypted apart."""

    kind: Literal["remote"] = "remote"
    url: str = Field(max_length=512)
    timeframe: str = "1h"
    deadline_s: float = Field(default=30.0, gt=0, le=300)
    max_leverage: float = Field(default=10.0, ge=1, le=125)

    @field_validator("url")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        try:
            parts = urlsplit(value)
            has_credentials = parts.username is not None or parts.password is not None
            host = parts.hostname
        except ValueError:
            parts, has_credentials, host = None, False, None
        if parts is None or parts.scheme not in ("http", "https") or not host:
            raise ValueError("url must be an https URL, e.g. https://bot.example.com/decide")
        if has_credentials or any(c.isspace() for c in value):
            raise ValueError("url must not hold credentials or spaces; requests are signed")
        if parts.scheme == "http" and host not in _LOOPBACK_HOSTS:
            raise ValueError(
                "url must be https; plain http only to a loopback host (127.0.0.1, localhost "
                "or ::1) for a local bot"
            )
        return value


AnyAgentConfig = (
    StrategyAgentConfig
    | LlmAgentConfig
    | PortfolioAgentConfig
    | SelectorAgentConfig
    | RemoteAgentConfig
)
AgentConfig = Annotated[AnyAgentConfig, Field(discriminator="kind")]
_ADAPTER: TypeAdapter[AnyAgentConfig] = TypeAdapter(AgentConfig)


def parse_config(values: dict[str, Any]) -> AnyAgentConfig:
    """Validate a configuration; a problem becomes one line naming the field."""
    try:
        config = _ADAPTER.validate_python(values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "configuration"
        message = str(first["msg"]).removeprefix("Value error, ")  # as seasons/config does
        raise InvalidInputError(f"agent {where}: {message}") from None
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
            if not registry.strategy_type(name).trades_targets:
                raise InvalidInputError(
                    f"agent strategies: {name} trades through resting orders, not a target "
                    "position, so a selector cannot choose it"
                )
    return config
