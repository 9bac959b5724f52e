"""The known LLM providers: where they live, which key they need, what they cost.

Prices are in USD per million tokens, as published by each provider for its default model at the
time of writing (standard tier, no cache discounts); verify them before you trust a cost figure
and override them with ``with_prices``. Providers change prices often and some bill in CNY, so
these figures are estimates, not invoices."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from alpha_arena.core.errors import ConfigurationError

WireProtocol = Literal["openai_chat", "anthropic_messages"]


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """One provider endpoint: its wire protocol, base URL, key variable, JSON mode and prices.

    ``api_key_env`` is ``None`` for local servers that need no key (Ollama, vLLM).
    Prices are USD per million tokens, as published, verify."""

    name: str
    protocol: WireProtocol
    base_url: str
    api_key_env: str | None
    supports_json_mode: bool
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    default_model: str

    def __post_init__(self) -> None:
        if self.input_usd_per_mtok < 0 or self.output_usd_per_mtok < 0:
            raise ConfigurationError(
                f"LLM provider {self.name!r}: prices must be >= 0 USD per million tokens"
            )

    def cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        """Return the price of one call with these token counts."""
        return (
            input_tokens * self.input_usd_per_mtok + output_tokens * self.output_usd_per_mtok
        ) / 1_000_000


def with_prices(
    spec: ProviderSpec, *, input_usd_per_mtok: float, output_usd_per_mtok: float
) -> ProviderSpec:
    """Return a copy of ``spec`` with other prices (USD per million input and output tokens)."""
    return dataclasses.replace(
        spec, input_usd_per_mtok=input_usd_per_mtok, output_usd_per_mtok=output_usd_per_mtok
    )


def _openai(
    name: str,
    base_url: str,
    api_key_env: str | None,
    model: str,
    prices: tuple[float, float],
    *,
    json_mode: bool = True,
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
    )


# Prices as published for the default model, verify (see the module docstring).
PROVIDERS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        _openai(
            "openai", "https://api.openai.com/v1", "OPENAI_API_KEY", "gpt-4o-mini", (0.15, 0.60)
        ),
        _openai(
            "deepseek",
            "https://api.deepseek.com/v1",
            "DEEPSEEK_API_KEY",
            "deepseek-chat",
            (0.28, 0.42),
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
        _openai("ollama", "http://localhost:11434/v1", None, "qwen2.5:7b", (0.0, 0.0)),
        _openai("vllm", "http://localhost:8000/v1", None, "Qwen/Qwen2.5-7B-Instruct", (0.0, 0.0)),
        ProviderSpec(
            name="anthropic",
            protocol="anthropic_messages",
            base_url="https://api.anthropic.com",
            api_key_env="ANTHROPIC_API_KEY",
            supports_json_mode=False,
            input_usd_per_mtok=3.00,
            output_usd_per_mtok=15.00,
            default_model="claude-sonnet-4-6",
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
