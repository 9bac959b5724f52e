"""The known LLM providers: where they live, which key they need, what they cost.

Prices are in USD per million tokens, as published by each provider for its default model and a
few others at the time of writing (standard tier, no cache discounts); verify them before you
trust a cost figure, and give an agent its own price where the table has none. A model missing
from the table has no price: its cost is unknown (``None``), never another model's. Providers
change prices often and some bill in CNY, so these figures are estimates, not invoices."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from alpha_arena.core.errors import ConfigurationError

WireProtocol = Literal["openai_chat", "anthropic_messages"]


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """USD per million input and output tokens."""

    input_usd_per_mtok: float
    output_usd_per_mtok: float

    def __post_init__(self) -> None:
        if not (self.input_usd_per_mtok >= 0 and self.output_usd_per_mtok >= 0):
            raise ConfigurationError("LLM prices must be >= 0 USD per million tokens")

    def cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        """Return the price of one call with these token counts."""
        return (
            input_tokens * self.input_usd_per_mtok + output_tokens * self.output_usd_per_mtok
        ) / 1_000_000


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """One provider endpoint: its wire protocol, base URL, key variable, JSON mode and prices.

    ``api_key_env`` is ``None`` for local servers that need no key (Ollama, vLLM).
    Prices are USD per million tokens, as published, verify: ``input_usd_per_mtok`` and
    ``output_usd_per_mtok`` are the default model's, ``model_prices`` other known models'
    (model, input, output), and ``flat_price`` the price of any model (free local servers, or
    the price an agent was given)."""

    name: str
    protocol: WireProtocol
    base_url: str
    api_key_env: str | None
    supports_json_mode: bool
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    default_model: str
    model_prices: tuple[tuple[str, float, float], ...] = ()
    flat_price: ModelPrice | None = None

    def __post_init__(self) -> None:
        prices = [(self.input_usd_per_mtok, self.output_usd_per_mtok)]
        prices += [(i, o) for _, i, o in self.model_prices]
        if any(not (i >= 0 and o >= 0) for i, o in prices):
            raise ConfigurationError(
                f"LLM provider {self.name!r}: prices must be >= 0 USD per million tokens"
            )

    def price(self, model: str | None = None) -> ModelPrice | None:
        """Return the price of ``model`` (None: the default model), or None when unknown."""
        if self.flat_price is not None:
            return self.flat_price
        if model is None or model == self.default_model:
            return ModelPrice(self.input_usd_per_mtok, self.output_usd_per_mtok)
        for name, input_price, output_price in self.model_prices:
            if name == model:
                return ModelPrice(input_price, output_price)
        return None

    def cost_usd(
        self, input_tokens: int, output_tokens: int, model: str | None = None
    ) -> float | None:
        """Return the price of one call of ``model`` (None: the default model) with these token
        counts, or None when the model's price is unknown."""
        price = self.price(model)
        return None if price is None else price.cost_usd(input_tokens, output_tokens)


def with_prices(
    spec: ProviderSpec, *, input_usd_per_mtok: float, output_usd_per_mtok: float
) -> ProviderSpec:
    """Return a copy of ``spec`` with other prices for its default model (USD per million input
    and output tokens)."""
    return dataclasses.replace(
        spec, input_usd_per_mtok=input_usd_per_mtok, output_usd_per_mtok=output_usd_per_mtok
    )


def with_flat_price(spec: ProviderSpec, price: ModelPrice) -> ProviderSpec:
    """Return a copy of ``spec`` that prices every model at ``price`` (an agent's own price)."""
    return dataclasses.replace(spec, flat_price=price)


def _openai(
    name: str,
    base_url: str,
    api_key_env: str | None,
    model: str,
    prices: tuple[float, float],
    *,
    json_mode: bool = True,
    others: tuple[tuple[str, float, float], ...] = (),
    flat_price: ModelPrice | None = None,
) -> ProviderSpec:
    return ProviderSpec(
        name=name,
        protocol="openai_chat",
        base_url=base_url,
        api_key_env=api_key_env,
        supports_json_mode=json_mode,
        input_usd_per_mtok=prices[0],
        output_usd_per_mtok=prices[1],
        default_model=model,
        model_prices=others,
        flat_price=flat_price,
    )


#: A local server (Ollama, vLLM) costs nothing per token, whichever model it serves.
_FREE = ModelPrice(0.0, 0.0)

# Prices as published, verify (see the module docstring).
PROVIDERS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        _openai(
            "openai",
            "https://api.openai.com/v1",
            "OPENAI_API_KEY",
            "gpt-4o-mini",
            (0.15, 0.60),
            others=(("gpt-4o", 2.50, 10.00), ("gpt-4.1", 2.00, 8.00), ("gpt-4.1-mini", 0.40, 1.60)),
        ),
        _openai(
            "deepseek",
            "https://api.deepseek.com/v1",
            "DEEPSEEK_API_KEY",
            "deepseek-chat",
            (0.28, 0.42),
            others=(("deepseek-reasoner", 0.28, 0.42),),
        ),
        _openai(
            "qwen",
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
            "DASHSCOPE_API_KEY",
            "qwen-plus",
            (0.40, 1.20),
        ),
        _openai(
            "siliconflow",
            "https://api.siliconflow.cn/v1",
            "SILICONFLOW_API_KEY",
            "deepseek-ai/DeepSeek-V3",
            (0.27, 1.10),
        ),
        _openai(
            "moonshot",
            "https://api.moonshot.ai/v1",
            "MOONSHOT_API_KEY",
            "kimi-k2-0905-preview",
            (0.60, 2.50),
        ),
        _openai("xai", "https://api.x.ai/v1", "XAI_API_KEY", "grok-4", (3.00, 15.00)),
        _openai(
            "gemini",
            "https://generativelanguage.googleapis.com/v1beta/openai/",
            "GEMINI_API_KEY",
            "gemini-2.5-flash",
            (0.30, 2.50),
        ),
        # JSON mode depends on the routed model, so it is not assumed.
        _openai(
            "openrouter",
            "https://openrouter.ai/api/v1",
            "OPENROUTER_API_KEY",
            "openai/gpt-4o-mini",
            (0.15, 0.60),
            json_mode=False,
        ),
        _openai(
            "ollama",
            "http://localhost:11434/v1",
            None,
            "qwen2.5:7b",
            (0.0, 0.0),
            flat_price=_FREE,
        ),
        _openai(
            "vllm",
            "http://localhost:8000/v1",
            None,
            "Qwen/Qwen2.5-7B-Instruct",
            (0.0, 0.0),
            flat_price=_FREE,
        ),
        ProviderSpec(
            name="anthropic",
            protocol="anthropic_messages",
            base_url="https://api.anthropic.com",
            api_key_env="ANTHROPIC_API_KEY",
            supports_json_mode=False,
            input_usd_per_mtok=3.00,
            output_usd_per_mtok=15.00,
            default_model="claude-sonnet-4-6",
            model_prices=(
                ("claude-sonnet-4-5", 3.00, 15.00),
                ("claude-haiku-4-5", 1.00, 5.00),
                ("claude-opus-4-1", 15.00, 75.00),
            ),
        ),
    )
}


def get_spec(name: str) -> ProviderSpec:
    """Return the registered provider called ``name``."""
    try:
        return PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigurationError(f"unknown LLM provider {name!r}; known: {known}") from None
