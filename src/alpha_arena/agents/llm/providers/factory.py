"""Build a provider from its registered name (or a spec) and optional overrides."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from alpha_arena.agents.llm.providers.base import ProviderConfig, SdkProvider
from alpha_arena.agents.llm.providers.registry import ProviderSpec, get_spec
from alpha_arena.core.errors import ConfigurationError
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


def configured_provider(provider: str | ProviderSpec, settings: Settings) -> SdkProvider:
    """A provider with the LLM settings (base URL, timeout, retries) every caller shares."""
    return create_provider(
        provider, base_url=settings.llm_base_url, timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
    )  # fmt: skip
