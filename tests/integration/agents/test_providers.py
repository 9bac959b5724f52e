"""The LLM providers through the real ``openai`` and ``anthropic`` SDKs against a loopback server
speaking both APIs (tests/support/fake_llm.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest

from alpha_arena.agents.llm.providers import (
    PROVIDERS,
    LlmMessage,
    LlmRequest,
    LlmResponse,
    SdkProvider,
    configured_provider,
    create_provider,
    get_spec,
    with_prices,
)
from alpha_arena.core.errors import AgentError, ConfigurationError, TemporaryError
from alpha_arena.core.settings import Settings
from tests.support.fake_llm import ANTHROPIC_PATH, OPENAI_PATH, FakeAnswer, FakeLlmServer

KEY = "sk-test-0123456789"
T = TypeVar("T")

REQUEST = LlmRequest(
    messages=(
        LlmMessage("system", "You trade crypto perpetuals. Answer in JSON."),
        LlmMessage("user", "BTC is at 97000. Decide."),
    ),
    temperature=0.2,
    max_tokens=256,
)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@pytest.fixture
def server() -> Iterator[FakeLlmServer]:
    with FakeLlmServer(api_key=KEY) as fake:
        yield fake


def provider_for(
    server: FakeLlmServer, name: str, *, api_key: str = KEY, **overrides: Any
) -> SdkProvider:
    spec = get_spec(name)
    base_url = (
        server.anthropic_base_url
        if spec.protocol == "anthropic_messages"
        else server.openai_base_url
    )
    settings: dict[str, Any] = {"max_retries": 2, "backoff_s": 0.01, "timeout_s": 5.0}
    settings.update(overrides)
    return create_provider(name, base_url=base_url, api_key=api_key, **settings)


async def complete_once(provider: SdkProvider, request: LlmRequest = REQUEST) -> LlmResponse:
    async with provider:
        return await provider.complete(request)


# -- answers ---------------------------------------------------------------------------------


def test_openai_compatible_answer_carries_text_tokens_reasoning_and_cost(
    server: FakeLlmServer,
) -> None:
    server.reply(FakeAnswer('{"signal": "hold"}', 1200, 300, reasoning="funding is flat"))
    spec = with_prices(get_spec("deepseek"), input_usd_per_mtok=2.0, output_usd_per_mtok=8.0)

    async def call() -> LlmResponse:
        async with create_provider(spec, base_url=server.openai_base_url, api_key=KEY) as provider:
            return await provider.complete(REQUEST)

    response = run(call())

    assert response.text == '{"signal": "hold"}'
    assert response.reasoning == "funding is flat"
    assert (response.input_tokens, response.output_tokens) == (1200, 300)
    assert response.cost_usd == pytest.approx(0.0048)  # 1200 x 2 / 1e6 + 300 x 8 / 1e6
    assert response.latency_ms > 0
    assert (response.provider, response.model, response.attempts) == (
        "deepseek",
        "deepseek-chat",
        1,
    )
    raw: Any = response.raw
    assert raw["choices"][0]["message"]["reasoning_content"] == "funding is flat"
    assert raw["usage"]["total_tokens"] == 1500
    (sent,) = server.received
    assert sent.path == OPENAI_PATH
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["model"] == "deepseek-chat"
    assert sent.body["messages"] == [
        {"role": "system", "content": "You trade crypto perpetuals. Answer in JSON."},
        {"role": "user", "content": "BTC is at 97000. Decide."},
    ]
    assert (sent.body["temperature"], sent.body["max_tokens"]) == (0.2, 256)


def test_anthropic_answer_sends_system_apart_and_carries_thinking_and_cost(
    server: FakeLlmServer,
) -> None:
    server.reply(FakeAnswer("hold", 2000, 500, reasoning="no edge"))

    response = run(complete_once(provider_for(server, "anthropic")))

    assert (response.text, response.reasoning) == ("hold", "no edge")
    assert (response.input_tokens, response.output_tokens) == (2000, 500)
    assert response.cost_usd == pytest.approx(0.0135)  # 2000 x 3 / 1e6 + 500 x 15 / 1e6
    assert (response.provider, response.model) == ("anthropic", "claude-sonnet-4-6")
    (sent,) = server.received
    assert sent.path == ANTHROPIC_PATH
    assert sent.headers["authorization"] == f"Bearer {KEY}"  # SDK 2.x sends the key so
    assert sent.body["system"] == "You trade crypto perpetuals. Answer in JSON."
    assert sent.body["messages"] == [{"role": "user", "content": "BTC is at 97000. Decide."}]
    assert sent.body["max_tokens"] == 256
    assert "response_format" not in sent.body


def test_requested_model_overrides_the_default(server: FakeLlmServer) -> None:
    request = LlmRequest(messages=(LlmMessage("user", "hi"),), model="deepseek-reasoner")

    response = run(complete_once(provider_for(server, "deepseek"), request))

    assert response.model == "deepseek-reasoner"
    assert server.received[0].body["model"] == "deepseek-reasoner"
    assert response.reasoning is None


def test_responder_answers_as_a_function_of_the_request(server: FakeLlmServer) -> None:
    server.respond_with(
        lambda received: FakeAnswer(received.body["messages"][-1]["content"].upper())
    )

    response = run(complete_once(provider_for(server, "qwen")))

    assert response.text == "BTC IS AT 97000. DECIDE."


# -- retries and timeouts --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["openai", "anthropic"])
def test_rate_limit_is_retried_until_success(
    server: FakeLlmServer, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail_next(429, 2)
    caplog.set_level(logging.INFO, logger="alpha_arena.agents.llm.providers")

    response = run(complete_once(provider_for(server, name, max_retries=2)))

    assert response.text == "ok"
    assert response.attempts == 3
    assert server.count == 3
    retries = [r for r in caplog.records if r.getMessage() == "retrying LLM call"]
    assert [getattr(r, "attempt", None) for r in retries] == [1, 2]
    assert all(getattr(r, "provider", None) == name for r in retries)
    assert KEY not in caplog.text


@pytest.mark.parametrize("name", ["deepseek", "anthropic"])
def test_persistent_server_error_raises_one_line_temporary_error(
    server: FakeLlmServer, name: str
) -> None:
    server.fail_next(500, 10)

    with pytest.raises(TemporaryError) as raised:
        run(complete_once(provider_for(server, name, max_retries=2)))

    message = str(raised.value)
    assert server.count == 3
    assert "\n" not in message
    assert f"LLM provider {name}: gave up after 3 attempts: HTTP 500" in message
    assert KEY not in message


@pytest.mark.parametrize("name", ["openai", "anthropic"])
def test_reply_slower_than_the_attempt_timeout_raises_temporary_error(
    server: FakeLlmServer, name: str
) -> None:
    server.delay_s = 3.0

    with pytest.raises(TemporaryError, match=r"gave up after 2 attempts: no answer within 0\.2 s"):
        run(complete_once(provider_for(server, name, timeout_s=0.2, max_retries=1)))

    assert server.count == 2


def test_reply_slower_than_the_total_timeout_raises_temporary_error(
    server: FakeLlmServer,
) -> None:
    server.delay_s = 3.0
    request = LlmRequest(messages=(LlmMessage("user", "hi"),), timeout_s=0.3)

    with pytest.raises(TemporaryError, match=r"no answer within 0\.3 s \(1 attempts\)"):
        run(complete_once(provider_for(server, "openai", timeout_s=30.0), request))


def test_unreachable_server_raises_temporary_error_after_retries() -> None:
    with FakeLlmServer() as gone:
        base_url = gone.openai_base_url
    provider = create_provider("vllm", base_url=base_url, max_retries=1, backoff_s=0.01)

    with pytest.raises(TemporaryError, match="vllm: gave up after 2 attempts: connection failed"):
        run(complete_once(provider))


# -- configuration errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "variable"), [("deepseek", "DEEPSEEK_API_KEY"), ("anthropic", "ANTHROPIC_API_KEY")]
)
def test_refused_key_raises_configuration_error_naming_the_variable(
    server: FakeLlmServer, name: str, variable: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        run(complete_once(provider_for(server, name, api_key="sk-wrong-key")))

    assert variable in str(raised.value)
    assert "HTTP 401" in str(raised.value)
    assert "sk-wrong-key" not in str(raised.value)
    assert server.count == 1  # not retried


def test_missing_key_variable_raises_configuration_error_naming_it() -> None:
    with pytest.raises(ConfigurationError, match="set the environment variable DASHSCOPE_API_KEY"):
        create_provider("qwen", environ={"OPENAI_API_KEY": "sk-other"})


def test_key_is_read_from_the_spec_variable(server: FakeLlmServer) -> None:
    provider = create_provider(
        "moonshot", base_url=server.openai_base_url, environ={"MOONSHOT_API_KEY": KEY}
    )

    response = run(complete_once(provider))

    assert response.provider == "moonshot"
    assert server.received[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("name", ["ollama", "vllm"])
def test_local_servers_need_no_key(name: str) -> None:
    provider = create_provider(name, environ={})

    assert provider.name == name
    run(provider.aclose())


def test_rejected_request_raises_agent_error_without_retry(server: FakeLlmServer) -> None:
    server.fail_next(400)

    with pytest.raises(AgentError, match=r"LLM provider openai rejected the request \(HTTP 400\)"):
        run(complete_once(provider_for(server, "openai")))

    assert server.count == 1


def test_unknown_provider_raises_configuration_error_listing_the_known() -> None:
    with pytest.raises(ConfigurationError, match="unknown LLM provider 'grok'; known: anthropic"):
        create_provider("grok", api_key=KEY)


# -- concurrency and JSON mode ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["openai", "anthropic"])
def test_concurrency_limit_caps_requests_in_flight(server: FakeLlmServer, name: str) -> None:
    server.delay_s = 0.15

    async def burst() -> list[LlmResponse]:
        async with provider_for(server, name, concurrency=3) as provider:
            return await asyncio.gather(*(provider.complete(REQUEST) for _ in range(10)))

    responses = run(burst())

    assert [r.text for r in responses] == ["ok"] * 10
    assert server.count == 10
    assert server.max_in_flight == 3


@pytest.mark.parametrize(
    ("name", "json_mode", "sent"),
    [
        ("deepseek", True, {"type": "json_object"}),
        ("openai", True, {"type": "json_object"}),
        ("ollama", True, {"type": "json_object"}),
        ("deepseek", False, None),
        ("openrouter", True, None),
        ("anthropic", True, None),
    ],
)
def test_json_mode_sends_response_format_only_where_supported(
    server: FakeLlmServer, name: str, json_mode: bool, sent: dict[str, str] | None
) -> None:
    request = LlmRequest(messages=(LlmMessage("user", "answer in JSON"),), json_mode=json_mode)

    run(complete_once(provider_for(server, name), request))

    assert server.received[0].body.get("response_format") == sent


# -- registry --------------------------------------------------------------------------------


def test_registry_lists_every_provider_with_its_key_variable() -> None:
    assert set(PROVIDERS) == {
        "openai", "deepseek", "qwen", "siliconflow", "moonshot", "xai", "gemini",
        "openrouter", "ollama", "vllm", "anthropic",
    }  # fmt: skip
    keyless = {name for name, spec in PROVIDERS.items() if spec.api_key_env is None}
    assert keyless == {"ollama", "vllm"}
    assert PROVIDERS["qwen"].base_url.endswith("/compatible-mode/v1")
    assert PROVIDERS["ollama"].base_url == "http://localhost:11434/v1"
    assert PROVIDERS["vllm"].base_url == "http://localhost:8000/v1"


def test_with_prices_returns_a_copy_and_leaves_the_registry_alone() -> None:
    original = get_spec("xai")

    cheaper = with_prices(original, input_usd_per_mtok=1.0, output_usd_per_mtok=2.0)

    assert (cheaper.input_usd_per_mtok, cheaper.output_usd_per_mtok) == (1.0, 2.0)
    assert cheaper.cost_usd(1_000_000, 500_000) == pytest.approx(2.0)
    assert get_spec("xai") == original
    with pytest.raises(ConfigurationError):
        with_prices(original, input_usd_per_mtok=-1.0, output_usd_per_mtok=0.0)


@pytest.mark.parametrize(
    ("provider", "model", "price"),
    [
        ("openai", "gpt-4o-mini", (0.15, 0.60)),  # the default model
        ("openai", "gpt-4o", (2.50, 10.00)),  # another model in the table
        ("deepseek", "deepseek-reasoner", (0.28, 0.42)),
        ("anthropic", "claude-haiku-4-5", (1.00, 5.00)),
        ("vllm", "any/local-model", (0.0, 0.0)),  # a local server is free, whatever it serves
        ("openai", "gpt-unknown", None),  # missing: unknown, not the default model's price
        ("deepseek", "deepseek-v9-preview", None),
    ],
)
def test_a_model_is_priced_from_its_own_entry_or_not_at_all(
    provider: str, model: str, price: tuple[float, float] | None
) -> None:
    cost = get_spec(provider).cost_usd(1_000_000, 1_000_000, model)
    assert cost == (None if price is None else pytest.approx(sum(price)))


def test_an_unknown_models_answer_carries_no_cost(server: FakeLlmServer) -> None:
    server.reply(FakeAnswer("hold", 1000, 100))
    request = LlmRequest(messages=(LlmMessage("user", "hi"),), model="gpt-unknown")

    response = run(complete_once(provider_for(server, "openai"), request))

    assert (response.input_tokens, response.cost_usd) == (1000, None)


# -- an agent's own endpoint and key ---------------------------------------------------------


def test_an_agents_base_url_and_key_variable_come_before_the_shared_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "shared-key-000")
    monkeypatch.setenv("ARENA_TEST_OWN_KEY", "own-key-111")
    with (
        FakeLlmServer(api_key="shared-key-000") as shared,
        FakeLlmServer(api_key="own-key-111") as own,
    ):
        settings = Settings(_env_file=None, llm_base_url=shared.openai_base_url)
        run(complete_once(configured_provider("deepseek", settings)))
        agent = configured_provider(
            "deepseek", settings, base_url=own.openai_base_url, api_key_env="ARENA_TEST_OWN_KEY"
        )
        run(complete_once(agent))
        assert (shared.count, own.count) == (1, 1)
        assert own.received[0].headers["authorization"] == "Bearer own-key-111"


def test_an_agents_missing_key_variable_is_named() -> None:
    with pytest.raises(ConfigurationError, match="ARENA_TEST_NOT_SET"):
        configured_provider("deepseek", Settings(_env_file=None), api_key_env="ARENA_TEST_NOT_SET")
