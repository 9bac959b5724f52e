"""LLM providers: the registry of endpoints and prices, the request/response values, and the
SDK adapters behind one async interface. The only place that imports LLM SDKs (lazily, in
``create_provider``)."""

from alpha_arena.agents.llm.providers.base import (
    LlmMessage,
    LlmProvider,
    LlmRequest,
    LlmResponse,
    ProviderConfig,
    SdkProvider,
)
from alpha_arena.agents.llm.providers.factory import configured_provider, create_provider
from alpha_arena.agents.llm.providers.registry import (
    PROVIDERS,
    ModelPrice,
    ProviderSpec,
    get_spec,
    with_flat_price,
    with_prices,
)

__all__ = [
    "PROVIDERS",
    "LlmMessage",
    "LlmProvider",
    "LlmRequest",
    "LlmResponse",
    "ModelPrice",
    "ProviderConfig",
    "ProviderSpec",
    "SdkProvider",
    "configured_provider",
    "create_provider",
    "get_spec",
    "with_flat_price",
    "with_prices",
]
