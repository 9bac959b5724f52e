"""Build a provider from its registered name (or a spec) and optional overrides."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from alpha_arena.agents.llm.providers.base import ProviderConfig, SdkProvider
from alpha_arena.agents.llm.providers.registry import (
    ModelPrice,
    ProviderSpec,
    get_spec,
    with_flat_price,
)
from alpha_arena.core.errors import ConfigurationError
from alpha_arena.core.redact import remember_secret
from alpha_arena.core.settings import Settings

# Local servers (Ollama, vLLM) ignore the key, but the SDK insists on one.
_NO_KEY = "not-needed"


def create_provider(
    provider: str | ProviderSpec,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout_s: float | None = None,
    total_timeout_s: float | None = None,
    max_retries: int | None = None,
    concurrency: int | None = None,
    backoff_s: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> SdkProvider:
    """Return a provider for a registered name or a spec; ``None`` keeps the default.

    Without ``api_key`` the key is read from the spec's environment variable (from ``environ``,
    by default the process environment); a missing key is a ``ConfigurationError`` naming the
    variable."""
    spec = get_spec(provider) if isinstance(provider, str) else provider
    if base_url is not None:
        spec = dataclasses.replace(spec, base_url=base_url)
    defaults = ProviderConfig()
    config = ProviderConfig(
        timeout_s=defaults.timeout_s if timeout_s is None else timeout_s,
        total_timeout_s=defaults.total_timeout_s if total_timeout_s is None else total_timeout_s,
        max_retries=defaults.max_retries if max_retries is None else max_retries,
        concurrency=defaults.concurrency if concurrency is None else concurrency,
        backoff_s=defaults.backoff_s if backoff_s is None else backoff_s,
    )
    key = api_key or _key_from(spec, os.environ if environ is None else environ)
    remember_secret(key)  # so that no echo of it is stored, printed or served
    if spec.protocol == "anthropic_messages":
        from alpha_arena.agents.llm.providers.anthropic_provider import AnthropicProvider

        return AnthropicProvider(spec, config, key)
    from alpha_arena.agents.llm.providers.openai_compatible import OpenAiCompatibleProvider

    return OpenAiCompatibleProvider(spec, config, key)


def _key_from(spec: ProviderSpec, environ: Mapping[str, str]) -> str:
    if spec.api_key_env is None:
        return _NO_KEY
    key = environ.get(spec.api_key_env, "").strip()
    if not key:
        raise ConfigurationError(
            f"LLM provider {spec.name} needs an API key: set the environment variable "
            f"{spec.api_key_env}"
        )
    return key


def configured_provider(
    provider: str | ProviderSpec,
    settings: Settings,
    *,
    base_url: str | None = None,
    api_key_env: str | None = None,
    price: ModelPrice | None = None,
) -> SdkProvider:
    """A provider with the LLM settings (base URL, timeout, retries) every caller shares, and
    an agent's own endpoint, key variable and price where it names them.

    The base URL is the agent's ``base_url``, else ``ARENA_LLM_BASE_URL``, else the provider's;
    the key is read from the agent's ``api_key_env``, else from the provider's variable."""
    spec = get_spec(provider) if isinstance(provider, str) else provider
    if api_key_env is not None:
        spec = dataclasses.replace(spec, api_key_env=api_key_env)
    if price is not None:
        spec = with_flat_price(spec, price)
    return create_provider(
        spec, base_url=base_url or settings.llm_base_url, timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
    )  # fmt: skip
