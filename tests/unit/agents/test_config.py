"""LLM and selector configurations: an agent's own endpoint, key variable and price."""

from __future__ import annotations

from typing import Any

import pytest

from alpha_arena.agents.config import LlmAgentConfig, SelectorAgentConfig, parse_config
from alpha_arena.agents.llm.providers import ModelPrice
from alpha_arena.core.errors import InvalidInputError

LLM = {"kind": "llm", "provider": "vllm", "model": "Qwen/Qwen3-8B"}
SELECTOR = {"kind": "selector", "provider": "deepseek", "model": "deepseek-chat"}


@pytest.mark.parametrize("base", [LLM, SELECTOR], ids=["llm", "selector"])
def test_an_agent_names_its_endpoint_key_variable_and_price(base: dict[str, Any]) -> None:
    # As `arena agent add --set` passes them: strings, converted and checked here.
    config = parse_config({
        **base, "base_url": "http://127.0.0.1:8001/v1", "api_key_env": "LOCAL_VLLM_KEY",
        "input_usd_per_mtok": "0.5", "output_usd_per_mtok": "1.5",
    })  # fmt: skip
    assert isinstance(config, LlmAgentConfig | SelectorAgentConfig)
    assert (config.base_url, config.api_key_env) == ("http://127.0.0.1:8001/v1", "LOCAL_VLLM_KEY")
    assert config.price() == ModelPrice(0.5, 1.5)


def test_without_a_price_of_its_own_the_price_table_is_used() -> None:
    config = parse_config(LLM)
    assert isinstance(config, LlmAgentConfig)
    assert (config.base_url, config.api_key_env, config.price()) == (None, None, None)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"api_key_env": "sk-live-0123456789abcdef"}, "name an environment variable"),
        ({"api_key_env": "my key"}, "name an environment variable"),
        ({"base_url": "ftp://models.example/v1"}, "http(s) URL"),
        ({"base_url": "localhost:8000"}, "http(s) URL"),
        ({"base_url": "https://user:sk-secret@models.example/v1"}, "credentials"),
        ({"input_usd_per_mtok": 1.0}, "both input_usd_per_mtok and output_usd_per_mtok"),
        ({"input_usd_per_mtok": -1.0, "output_usd_per_mtok": 1.0}, "greater than or equal"),
    ],
    ids=["key-itself", "spaces", "scheme", "no-scheme", "credentials", "one-price", "negative"],
)
def test_a_bad_endpoint_key_variable_or_price_is_one_line_without_the_value(
    extra: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(InvalidInputError, match=r"^agent ") as error:
        parse_config({**LLM, **extra})
    message = str(error.value)
    assert fragment in message and "\n" not in message
    assert "sk-" not in message  # a key given by mistake is not repeated
